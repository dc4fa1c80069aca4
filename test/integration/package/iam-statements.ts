/** Reads IAM statements out of a CloudFormation template, for the packaging test. */

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: unknown;
}

type Resource = { Type: string; Properties: Record<string, unknown> };
type PolicyDocument = { Statement: unknown[] };

const IAM_TYPES = new Set(['AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']);

/** Every statement of every IAM policy, `Fn::If` branches included (`AWS::NoValue` dropped). */
export function iamStatements(resources: Record<string, Resource>): [string, Statement][] {
  const found: [string, Statement][] = [];
  for (const [id, resource] of Object.entries(resources)) {
    if (!IAM_TYPES.has(resource.Type)) continue;
    const { Policies, PolicyDocument } = resource.Properties as {
      Policies?: { PolicyDocument: PolicyDocument }[];
      PolicyDocument?: PolicyDocument;
    };
    const documents = [
      ...(Policies ?? []).map((policy) => policy.PolicyDocument),
      ...(PolicyDocument ? [PolicyDocument] : []),
    ];
    for (const document of documents) {
      for (const statement of document.Statement.flatMap(branches)) found.push([id, statement]);
    }
  }
  return found;
}

const branches = (statement: unknown): Statement[] => {
  const record = statement as Record<string, unknown>;
  const ifs = record['Fn::If'] as [string, unknown, unknown] | undefined;
  if (!ifs) return [statement as Statement];
  return [ifs[1], ifs[2]].filter((s) => !(s as Record<string, unknown>)?.Ref).flatMap(branches);
};

export const actionsOf = (statement: Statement): string[] =>
  typeof statement.Action === 'string' ? [statement.Action] : statement.Action;

/** Every literal string inside a value (intrinsic functions walked). */
export function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') return Object.values(value).flatMap(strings);
  return [];
}

/**
 * The one accepted wildcard: `<LogGroup>.Arn` (itself ending in `:*`) joined with
 * `:*`, i.e. the log streams of one named log group, as the framework writes it.
 * Returns the log group's logical id, or undefined if the resource is not that.
 */
export function logStreamsOf(resource: unknown): string | undefined {
  const join = (resource as Record<string, unknown>)?.['Fn::Join'] as
    | [string, unknown[]]
    | undefined;
  if (join?.[0] !== ':' || join[1].length !== 2 || join[1][1] !== '*') return undefined;
  const getAtt = (join[1][0] as Record<string, unknown>)?.['Fn::GetAtt'] as string[] | undefined;
  return getAtt?.[1] === 'Arn' && getAtt[0]?.endsWith('LogGroup') ? getAtt[0] : undefined;
}
