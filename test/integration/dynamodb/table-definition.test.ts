import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AGE_INDEX, DUE_INDEX, TTL_ATTRIBUTE } from '../../../src/dynamodb/schema.js';
import {
  findTableDefinitionFile,
  loadTableDefinition,
  tableDefinitionFromYaml,
} from '../../../src/dynamodb/table-definition.js';

describe('Function: loadTableDefinition', () => {
  const definition = loadTableDefinition('my-table');
  const indexes = new Map(
    definition.createTable.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index]),
  );

  it('names the table as asked, PAY_PER_REQUEST, keyed by userId', () => {
    expect(definition.createTable).toMatchObject({
      TableName: 'my-table',
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'userId', KeyType: 'HASH' }],
    });
  });

  it('defines the indexes the store queries, under the names the code uses', () => {
    expect(indexes.get(DUE_INDEX)?.KeySchema).toEqual([
      { AttributeName: 'dueShard', KeyType: 'HASH' },
      { AttributeName: 'dueAt', KeyType: 'RANGE' },
    ]);
    expect(indexes.get(AGE_INDEX)).toMatchObject({
      KeySchema: [
        { AttributeName: 'ageShard', KeyType: 'HASH' },
        { AttributeName: 'startedAt', KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'KEYS_ONLY' },
    });
  });

  it('projects into the due index everything a candidate session is built from', () => {
    const projected = indexes.get(DUE_INDEX)?.Projection?.NonKeyAttributes ?? [];
    for (const attribute of [
      'state',
      'startedAt',
      'disconnectedAt',
      'attempts',
      'nextAttemptAt',
      'leaseExpiresAt',
      'reapedBy',
      'version',
      'warnedAt',
      'class',
    ]) {
      expect(projected).toContain(attribute);
    }
  });

  it('keeps lastActiveAt out of the due index, so a heartbeat that moves only it writes no index', () => {
    const projection = indexes.get(DUE_INDEX)?.Projection;
    expect(projection?.ProjectionType).toBe('INCLUDE');
    expect(projection?.NonKeyAttributes).not.toContain('lastActiveAt');
  });

  it('enables TTL on the attribute the store writes', () => {
    expect(definition.timeToLive).toEqual({
      TableName: 'my-table',
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
  });
});

describe('Function: tableDefinitionFromYaml', () => {
  const table = (extra = '') => `
Resources:
  SessionsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub '\${AWS::StackName}-sessions'
      AttributeDefinitions: [{ AttributeName: userId, AttributeType: S }]
      KeySchema: [{ AttributeName: userId, KeyType: HASH }]
      Tags:
        - Key: stack
          Value: !Ref AWS::StackName
        - Key: joined
          Value: !Join ['-', [a, !GetAtt Other.Arn]]
${extra}
Outputs:
  Arn: { Value: !GetAtt SessionsTable.Arn }
`;

  it('tolerates CloudFormation short-form tags and replaces the table name', () => {
    const definition = tableDefinitionFromYaml(table(), 'local');
    expect(definition.createTable.TableName).toBe('local');
    expect(definition.timeToLive).toBeUndefined();
  });

  it('refuses a tag it does not know rather than misreading it', () => {
    expect(() => tableDefinitionFromYaml(table().replace('!Ref', '!Reff'), 'local')).toThrow(
      /!Reff/,
    );
  });

  it('refuses a property the local conversion does not know, so the two cannot drift apart', () => {
    expect(() =>
      tableDefinitionFromYaml(
        table('      StreamSpecification: { StreamViewType: NEW_IMAGE }'),
        'local',
      ),
    ).toThrow(/StreamSpecification/);
  });

  it('refuses a file without the table resource', () => {
    expect(() => tableDefinitionFromYaml('Resources: {}', 'local')).toThrow(/SessionsTable/);
  });
});

describe('Function: findTableDefinitionFile', () => {
  it('walks up from a nested directory (like dist/cli) to the package root', () => {
    const root = mkdtempSync(join(tmpdir(), 'car-reaper-'));
    mkdirSync(join(root, 'infra'));
    mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(root, 'infra', 'sessions-table.yml'), 'Resources: {}');
    expect(findTableDefinitionFile(join(root, 'dist', 'cli'))).toBe(
      join(root, 'infra', 'sessions-table.yml'),
    );
  });

  it('says what it looked for when there is none', () => {
    expect(() => findTableDefinitionFile(tmpdir())).toThrow(/infra\/sessions-table\.yml/);
  });
});
