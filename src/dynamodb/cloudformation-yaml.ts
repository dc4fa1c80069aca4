import { join } from 'node:path';
import type {
  CreateTableCommandInput,
  UpdateTimeToLiveCommandInput,
} from '@aws-sdk/client-dynamodb';
import { parseDocument, type Tags, type YAMLMap, type YAMLSeq } from 'yaml';
import { ReaperError } from '../errors.js';

/** Where the table is defined, relative to the package root. */
export const TABLE_DEFINITION_FILE = join('infra', 'sessions-table.yml');

/** The logical id of the table resource in the file. */
const RESOURCE = 'SessionsTable';

/** The table, as the local stack and tests create it from the CloudFormation file. */
export interface TableDefinition {
  createTable: CreateTableCommandInput;
  /** Undefined when the file enables no TTL. */
  timeToLive?: UpdateTimeToLiveCommandInput;
}

/** CloudFormation functions with a `!Short` form: `!Ref x` is `{ Ref: x }`, `!Sub s` is `{ 'Fn::Sub': s }`. */
const INTRINSICS = (
  'Ref Condition Base64 Cidr FindInMap GetAtt GetAZs ImportValue Join Select Split Sub ' +
  'Transform And Equals If Not Or'
).split(' ');

const intrinsicKey = (name: string): string =>
  name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;

/** Custom tags so CloudFormation short forms parse (to their long form) instead of failing. */
const CLOUDFORMATION_TAGS: Tags = INTRINSICS.flatMap((name) => {
  const key = intrinsicKey(name);
  const fromScalar = (value: string) =>
    name === 'GetAtt' ? { [key]: value.split('.') } : { [key]: value };
  return [
    { tag: `!${name}`, resolve: fromScalar },
    {
      tag: `!${name}`,
      collection: 'seq' as const,
      resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: node.toJSON() }),
    },
    {
      tag: `!${name}`,
      collection: 'map' as const,
      resolve: (node: YAMLMap.Parsed | YAMLSeq.Parsed) => ({ [key]: node.toJSON() }),
    },
  ];
});

/**
 * Properties of AWS::DynamoDB::Table the local conversion knows. The ones in
 * IGNORED_LOCALLY describe the deployed table only (DynamoDB Local has no use
 * for them). Any other property fails loudly, so the file and the local table
 * cannot drift apart silently.
 */
const CONVERTED = new Set([
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'GlobalSecondaryIndexes',
  'TimeToLiveSpecification',
]);
const IGNORED_LOCALLY = new Set([
  'TableName',
  'PointInTimeRecoverySpecification',
  'Tags',
  'SSESpecification',
  'DeletionProtectionEnabled',
  'ContributorInsightsSpecification',
  'TableClass',
]);

/** Parses the CloudFormation file into the CreateTable / UpdateTimeToLive inputs for `tableName`. */
export function tableDefinitionFromYaml(source: string, tableName: string): TableDefinition {
  const parsed = parseDocument(source, { customTags: CLOUDFORMATION_TAGS });
  // An unknown tag is only a warning to the parser; here it means the file is not understood.
  const problem = parsed.errors[0] ?? parsed.warnings[0];
  if (problem) throw new ReaperError(`${TABLE_DEFINITION_FILE}: ${problem.message}`);
  const document = parsed.toJS() as {
    Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }>;
  };
  const resource = document?.Resources?.[RESOURCE];
  if (resource?.Type !== 'AWS::DynamoDB::Table' || resource.Properties === undefined) {
    throw new ReaperError(
      `${TABLE_DEFINITION_FILE}: Resources.${RESOURCE} must be an AWS::DynamoDB::Table`,
    );
  }
  const properties = resource.Properties;
  for (const name of Object.keys(properties)) {
    if (!CONVERTED.has(name) && !IGNORED_LOCALLY.has(name)) {
      throw new ReaperError(
        `${TABLE_DEFINITION_FILE}: property ${name} is not supported by the local table conversion`,
      );
    }
  }
  if (!Array.isArray(properties.KeySchema) || !Array.isArray(properties.AttributeDefinitions)) {
    throw new ReaperError(
      `${TABLE_DEFINITION_FILE}: KeySchema and AttributeDefinitions are required`,
    );
  }
  const createTable = {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions,
    KeySchema: properties.KeySchema,
    BillingMode: properties.BillingMode ?? 'PAY_PER_REQUEST',
    ...(properties.GlobalSecondaryIndexes
      ? { GlobalSecondaryIndexes: properties.GlobalSecondaryIndexes }
      : {}),
  } as CreateTableCommandInput;
  const ttl = properties.TimeToLiveSpecification as
    | { AttributeName?: string; Enabled?: boolean }
    | undefined;
  const timeToLive =
    ttl?.Enabled && ttl.AttributeName
      ? {
          TableName: tableName,
          TimeToLiveSpecification: { AttributeName: ttl.AttributeName, Enabled: true },
        }
      : undefined;
  return { createTable, timeToLive };
}
