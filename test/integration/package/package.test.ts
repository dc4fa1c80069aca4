import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bundleOptions, lambdaRuntime } from '../../../scripts/function-bundles.mjs';
import { lambdaNode } from '../../../scripts/lambda-node.mjs';
import { createWebhookClient } from '../../../src/client/webhook-client.js';
import { createDynamoDbClient } from '../../../src/dynamodb/client.js';
import { DynamoDbSessionStore } from '../../../src/dynamodb/dynamodb-session-store.js';
import { ensureTable } from '../../../src/dynamodb/table-definition.js';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { PutEventsStandIn } from '../../helpers/put-events-stand-in.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';
import { actionsOf, iamStatements, logStreamsOf, strings } from './iam-statements.js';
import {
  type FunctionResource,
  httpApiFetch,
  type Invocation,
  PackagedFunction,
  scheduledEvent,
  unzipFunction,
} from './packaged-function.js';

// Runs `serverless package` once, offline (no AWS credentials, no profile, no
// network needed), into a temporary directory, and reads the CloudFormation
// template it generates.
type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Template = { Resources: Record<string, Resource>; Conditions?: Record<string, unknown> };

const root = process.cwd();
const outDir = mkdtempSync(join(tmpdir(), 'car-reaper-package-'));
let template: Template;
let output = '';

beforeAll(() => {
  // Packaged with the example policies file, as an operator with session classes would,
  // and for immediate destroys on disconnect (DISCONNECT_GRACE_SECONDS=0 in the shell).
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: outDir,
    POLICIES_FILE: 'examples/policies.yml',
    DISCONNECT_GRACE_SECONDS: '0',
  };
  const result = spawnSync(
    process.execPath,
    [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--package', outDir],
    { cwd: root, env, encoding: 'utf8', timeout: 120_000 },
  );
  output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`serverless package failed:\n${output}`);
  template = JSON.parse(
    readFileSync(join(outDir, 'cloudformation-template-update-stack.json'), 'utf8'),
  );
}, 120_000);

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

const ofType = (type: string) =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
const props = (id: string) => {
  const resource = template.Resources[id];
  if (!resource) throw new Error(`no resource ${id}`);
  // biome-ignore lint/suspicious/noExplicitAny: template properties are read ad hoc per test
  return resource.Properties as Record<string, any>;
};

describe('serverless package', () => {
  it('builds three arm64 nodejs24.x functions from esbuild bundles', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual([
      'DisconnectLambdaFunction',
      'HeartbeatLambdaFunction',
      'ReapLambdaFunction',
    ]);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    }
    for (const name of ['reap', 'disconnect', 'heartbeat']) {
      expect(existsSync(join(outDir, `${name}.zip`))).toBe(true);
      expect(existsSync(join(root, `.esbuild/${name}/index.js`))).toBe(true);
    }
    expect(props('ReapLambdaFunction').Handler).toBe('.esbuild/reap/index.handler');
  });

  it('reports the size of each zip, which is what Lambda deploys', () => {
    for (const name of ['reap', 'disconnect', 'heartbeat']) {
      const kib = statSync(join(outDir, `${name}.zip`)).size / 1024;
      const shown = kib.toLocaleString('en-US', { maximumFractionDigits: 1 });
      expect(output).toContain(`${name}: ${shown} KiB zip to deploy`);
    }
  });

  it('leaves the engine (reaper, rate budget, CAR client) out of the heartbeat bundle', () => {
    const sourcesOf = (name: string): string[] => {
      const dir = join(root, `.esbuild/${name}`);
      return readdirSync(dir, { recursive: true })
        .map(String)
        .filter((file) => file.endsWith('.js.map'))
        .flatMap(
          (file) =>
            (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { sources: string[] }).sources,
        );
    };
    const engine = (sources: string[]) => sources.filter((s) => /src\/(reaper|rate|car)\//.test(s));
    expect(engine(sourcesOf('disconnect'))).toContainEqual(expect.stringMatching(/reap-run\.ts$/));
    expect(engine(sourcesOf('heartbeat'))).toEqual([]);
  });

  it('builds the bundles for the Node.js major of the runtime they run on', () => {
    const { runtime, target } = lambdaRuntime();
    expect(props('ReapLambdaFunction').Runtime).toBe(runtime);
    expect(target).toBe('node24');
    expect(bundleOptions({ entry: 'functions/reap.ts', outdir: outDir }).target).toBe(target);
  });

  it('runs reap one at a time on a 1-minute schedule, dropping ticks that cannot start', () => {
    expect(props('ReapLambdaFunction')).toMatchObject({
      ReservedConcurrentExecutions: 1,
      Timeout: 300,
    });
    expect(props('ReapLambdaEvConf')).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 60,
    });
    const rules = ofType('AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.ScheduleExpression,
    );
    expect(rules).toHaveLength(1);
    expect(rules[0]?.[1].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: { 'Fn::GetAtt': ['ReapLambdaFunction', 'Arn'] } }],
    });
  });

  it('routes POST /disconnect and POST /heartbeat through one HTTP API', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(['POST /disconnect', 'POST /heartbeat']);
    expect(ofType('AWS::ApiGatewayV2::Api')).toHaveLength(1);
  });

  it('includes the sessions table with its index and TTL', () => {
    const table = props('SessionsTable');
    expect(table.TableName).toBe('car-reaper-dev-sessions');
    expect(table.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName)).toContain(
      'due',
    );
    expect(table.TimeToLiveSpecification).toMatchObject({ Enabled: true });
  });

  it('keeps secrets out of the template: only parameter names are in the environment', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, string> })
        .Variables;
      expect(variables).not.toHaveProperty('TENCENTCLOUD_SECRET_ID');
      expect(variables).not.toHaveProperty('TENCENTCLOUD_SECRET_KEY');
      expect(variables).not.toHaveProperty('WEBHOOK_SECRET');
      expect(variables).toMatchObject({
        SESSIONS_TABLE: 'car-reaper-dev-sessions',
        TENCENTCLOUD_SECRET_ID_PARAMETER: '/car-reaper/dev/tencent-secret-id',
        WEBHOOK_SECRET_PARAMETER: '/car-reaper/dev/webhook-secret',
        RETRY_MAX_DELAY_SECONDS: '900',
        GIVE_UP_AFTER_SECONDS: '86400',
      });
    }
  });

  it('packages the policies file with every function, at the path POLICIES_FILE names there', () => {
    for (const name of ['reap', 'disconnect', 'heartbeat']) {
      const listing = spawnSync('unzip', ['-Z1', join(outDir, `${name}.zip`)], {
        encoding: 'utf8',
      });
      expect(listing.stdout.split('\n')).toContain('examples/policies.yml');
    }
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const variables = (fn.Properties.Environment as { Variables: Record<string, string> })
        .Variables;
      expect(variables.POLICIES_FILE).toBe('examples/policies.yml');
    }
  });

  it('sets log retention on every function log group', () => {
    const groups = ofType('AWS::Logs::LogGroup');
    expect(groups).toHaveLength(3);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(30);
  });

  it('alarms on failed destroys and lost events (EMF) and on reaper errors', () => {
    expect(props('FailedDestroysAlarm')).toMatchObject({
      Namespace: 'CarReaper',
      MetricName: 'failed',
      Dimensions: [{ Name: 'service', Value: 'car-reaper' }],
    });
    expect(props('TerminalFailuresAlarm')).toMatchObject({
      Namespace: 'CarReaper',
      MetricName: 'terminalFailures',
      Dimensions: [{ Name: 'service', Value: 'car-reaper' }],
    });
    expect(props('OldestRetryAgeAlarm')).toMatchObject({
      Namespace: 'CarReaper',
      MetricName: 'oldestRetryAgeSeconds',
      Statistic: 'Maximum',
      Threshold: 900,
    });
    expect(props('EventsDroppedAlarm')).toMatchObject({
      Namespace: 'CarReaper',
      MetricName: 'eventsDropped',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    expect(props('ReapErrorsAlarm')).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'ReapLambdaFunction' } }],
    });
  });

  it('throttles each webhook route, reserves the webhook functions a bounded concurrency', () => {
    expect(props('HttpApiStage').RouteSettings).toEqual({
      'POST /heartbeat': { ThrottlingRateLimit: '500', ThrottlingBurstLimit: '1000' },
      'POST /disconnect': { ThrottlingRateLimit: '50', ThrottlingBurstLimit: '100' },
    });
    expect(Number(props('HeartbeatLambdaFunction').ReservedConcurrentExecutions)).toBe(25);
    expect(Number(props('DisconnectLambdaFunction').ReservedConcurrentExecutions)).toBe(10);
  });

  it("alarms on the webhook API's refusal rate (4xx and 5xx are answers, not Lambda errors)", () => {
    const metrics = props('WebhookRefusalsAlarm').Metrics as Array<{
      Id: string;
      ReturnData?: boolean;
      Expression?: string;
      MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions: unknown } };
    }>;
    expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toContain(
      '(clientErrors + serverErrors) / requests',
    );
    expect(metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []))).toEqual(
      ['Count', '4xx', '5xx'].map((MetricName) => ({
        Namespace: 'AWS/ApiGateway',
        MetricName,
        Dimensions: [{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }],
      })),
    );
  });
});

/** Names of the metrics the code emits: every `addMetric('Name', ...)` under src/. */
function emittedMetricNames(dir = join(root, 'src')): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const name of emittedMetricNames(path)) names.add(name);
    } else if (entry.name.endsWith('.ts')) {
      for (const match of readFileSync(path, 'utf8').matchAll(/addMetric\(\s*'([^']+)'/g)) {
        if (match[1]) names.add(match[1]);
      }
    }
  }
  return names;
}

describe('dashboard and drift alarm', () => {
  const dashboard = () => {
    const [entry] = ofType('AWS::CloudWatch::Dashboard');
    if (!entry) throw new Error('no dashboard in the template');
    return JSON.parse(entry[1].Properties.DashboardBody as string) as {
      widgets: { properties: { title: string; region: string; metrics: unknown[][] } }[];
    };
  };

  it('is in the packaged template, with the region and quota filled in', () => {
    const body = dashboard();
    expect(body.widgets.length).toBeGreaterThanOrEqual(5);
    for (const widget of body.widgets) expect(widget.properties.region).toBe('us-east-1');
    expect(JSON.stringify(body)).toContain('"value":100');
  });

  it('names only metrics the code emits, in its namespace and with its one dimension', () => {
    const emitted = emittedMetricNames();
    expect(emitted).toContain('UntrackedSessions');
    const named = dashboard().widgets.flatMap((widget) =>
      widget.properties.metrics.filter((line) => typeof line[0] === 'string'),
    );
    expect(named.length).toBeGreaterThanOrEqual(10);
    for (const [namespace, name, dimension, value] of named) {
      expect({ namespace, dimension, value }).toEqual({
        namespace: 'CarReaper',
        dimension: 'service',
        value: 'car-reaper',
      });
      expect(emitted, `dashboard metric ${String(name)}`).toContain(name);
    }
    const alarmed = ofType('AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties)
      .filter((alarm) => alarm.Namespace === 'CarReaper');
    for (const alarm of alarmed) expect(emitted).toContain(alarm.MetricName);
  });

  it('alarms when untracked seats stay above the threshold for 15 minutes', () => {
    expect(props('UntrackedSessionsAlarm')).toMatchObject({
      Namespace: 'CarReaper',
      MetricName: 'UntrackedSessions',
      Dimensions: [{ Name: 'service', Value: 'car-reaper' }],
      Period: 60,
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
      Threshold: '0',
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('IAM', () => {
  const roleOf = (fn: string) => (props(fn).Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const actionsOfRole = (role: string) =>
    iamStatements(template.Resources)
      .filter(([id, s]) => id === role && s.Effect === 'Allow')
      .flatMap(([, s]) => actionsOf(s))
      .sort();

  it('gives each function its own role and creates no shared framework role', () => {
    expect(template.Resources).not.toHaveProperty('IamRoleLambdaExecution');
    expect(roleOf('ReapLambdaFunction')).toBe('ReapRole');
    expect(roleOf('DisconnectLambdaFunction')).toBe('DisconnectRole');
    expect(roleOf('HeartbeatLambdaFunction')).toBe('HeartbeatRole');
  });

  it('allows no wildcard action and no wildcard resource but its own log streams', () => {
    const statements = iamStatements(template.Resources).filter(([, s]) => s.Effect === 'Allow');
    expect(statements.length).toBeGreaterThan(0);
    for (const [role, statement] of statements) {
      for (const action of actionsOf(statement)) expect(action).not.toContain('*');
      const resources = [statement.Resource].flat();
      for (const resource of resources) {
        const logGroup = logStreamsOf(resource);
        if (logGroup !== undefined) {
          // Only a function's own log group: ReapRole -> ReapLogGroup.
          expect(logGroup).toBe(role.replace(/Role$/, 'LogGroup'));
          expect(actionsOf(statement).every((a) => a.startsWith('logs:'))).toBe(true);
          continue;
        }
        for (const text of strings(resource)) expect(text).not.toContain('*');
      }
    }
  });

  it('grants each function only the actions its code uses', () => {
    expect(actionsOfRole('HeartbeatRole')).toEqual([
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'kms:Decrypt',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'ssm:GetParameters',
    ]);
    expect(actionsOfRole('ReapRole')).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Scan',
      'dynamodb:UpdateItem',
      'events:PutEvents',
      'kms:Decrypt',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'ssm:GetParameters',
    ]);
  });

  it("puts events only on the stack's own bus, from the functions that reap", () => {
    const putEvents = iamStatements(template.Resources).filter(([, s]) =>
      actionsOf(s).includes('events:PutEvents'),
    );
    expect(putEvents.map(([role]) => role).sort()).toEqual(['DisconnectRole', 'ReapRole']);
    for (const [, statement] of putEvents) {
      expect(actionsOf(statement)).toEqual(['events:PutEvents']);
      expect(statement.Resource).toEqual([{ 'Fn::GetAtt': ['EventsBus', 'Arn'] }]);
    }
    expect(template.Resources.EventsBus?.Type).toBe('AWS::Events::EventBus');
    expect(props('ReapLambdaFunction').Environment.Variables.EVENT_BUS_NAME).toEqual({
      Ref: 'EventsBus',
    });
  });

  it('routes session.warning from the bus to an SQS queue that only that rule may send to', () => {
    const rule = props('WarningsRule');
    expect(rule.EventBusName).toEqual({ Ref: 'EventsBus' });
    expect(rule.EventPattern).toEqual({
      source: ['car-reaper'],
      'detail-type': ['session.warning'],
    });
    expect(rule.Targets).toEqual([
      { Id: 'warnings-queue', Arn: { 'Fn::GetAtt': ['WarningsQueue', 'Arn'] } },
    ]);
    const [statement] = props('WarningsQueuePolicy').PolicyDocument.Statement;
    expect(statement).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['WarningsRule', 'Arn'] } } },
    });
  });

  it('reads the index through index ARNs and only the named SSM parameters', () => {
    const reap = iamStatements(template.Resources).filter(([id]) => id === 'ReapRole');
    const query = reap.find(([, s]) => actionsOf(s).includes('dynamodb:Query'))?.[1];
    expect(strings(query?.Resource)).toContain('/index/due');
    const ssm = reap.find(([, s]) => actionsOf(s).includes('ssm:GetParameters'))?.[1];
    expect(strings(ssm?.Resource)).toEqual(
      expect.arrayContaining([
        ':parameter/car-reaper/dev/tencent-secret-id',
        ':parameter/car-reaper/dev/tencent-secret-key',
      ]),
    );
    // kms:Decrypt only when a customer managed key is named, and only through SSM.
    expect(template.Conditions).toHaveProperty('HasSsmKmsKey');
  });
});

describe('the packaged functions, run as Lambda runs them', () => {
  // Each zip is unzipped on its own and its handler run by the Node.js major of
  // the runtime (from the `node` npm package), with the template's variables
  // and local endpoints and plain secrets on top: what is deployed is what runs.
  const credentials = { secretId: 'AKIDpackagetest0000000000000000000000', secretKey: 'pk-key' };
  const webhookSecret = testWebhookSecret('packaged');
  const taskRoots = mkdtempSync(join(tmpdir(), 'car-reaper-task-'));
  let node: string;
  let emulator: CarEmulator;
  const eventBus = new PutEventsStandIn();
  let store: DynamoDbSessionStore;
  let fns: Record<'reap' | 'disconnect' | 'heartbeat', PackagedFunction>;
  const invocations: Invocation<unknown>[] = [];
  const runtimeNode = new RegExp(`^v${lambdaRuntime().nodeMajor}\\.`);

  beforeAll(async () => {
    node = lambdaNode({ major: lambdaRuntime().nodeMajor });
    emulator = await startCarEmulator({ port: 0, credentials, rate: 100, seats: 100 });
    await eventBus.start();
    const overrides = {
      // The template's bus (a Ref to EventsBus), reached at a local stand-in of PutEvents.
      EVENT_BUS_NAME: 'car-reaper-dev',
      AWS_ENDPOINT_URL_EVENTBRIDGE: eventBus.endpoint,
      DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'),
      CAR_ENDPOINT: emulator.url,
      TENCENTCLOUD_SECRET_ID: credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: credentials.secretKey,
      WEBHOOK_SECRET: webhookSecret,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
    };
    const made = {} as typeof fns;
    for (const name of ['reap', 'disconnect', 'heartbeat'] as const) {
      const id = `${name[0]?.toUpperCase()}${name.slice(1)}LambdaFunction`;
      const resource = props(id) as unknown as FunctionResource;
      made[name] = new PackagedFunction(
        node,
        unzipFunction(outDir, name, taskRoots),
        resource,
        overrides,
      );
    }
    fns = made;
    const tableName = props('ReapLambdaFunction').Environment.Variables.SESSIONS_TABLE;
    const client = createDynamoDbClient({
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      awsRegion: 'us-east-1',
    });
    await ensureTable(client, tableName);
    store = new DynamoDbSessionStore({ client, tableName });
  }, 600_000);

  afterAll(async () => {
    await emulator?.stop();
    await eventBus.stop();
    rmSync(taskRoots, { recursive: true, force: true });
  });

  const webhooks = () =>
    createWebhookClient({
      url: 'https://api.example.test/',
      secret: webhookSecret,
      timeoutMs: 60_000,
      fetch: httpApiFetch({ '/heartbeat': fns.heartbeat, '/disconnect': fns.disconnect }, (i) =>
        invocations.push(i),
      ),
    });

  it(`runs on the runtime's Node.js major, not the machine's`, () => {
    const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(runtimeNode);
    expect(lambdaRuntime().nodeMajor).toBeGreaterThanOrEqual(24);
  });

  it('heartbeat: a signed HTTP API request records activity', async () => {
    const answer = await webhooks().heartbeat(['pk-hb-1', 'pk-hb-2']);

    expect(answer).toEqual({ recorded: 2 });
    expect((await store.get('pk-hb-1'))?.state).toBe('active');
    expect((await store.get('pk-hb-2'))?.state).toBe('active');
    expect(invocations.at(-1)?.nodeVersion).toMatch(runtimeNode);
  });

  it("disconnect: with the template's grace of 0 the session is destroyed through CAR at once", async () => {
    expect(props('DisconnectLambdaFunction').Environment.Variables.DISCONNECT_GRACE_SECONDS).toBe(
      '0',
    );
    await store.recordActivity(['pk-dc-1'], Date.now() - 60_000);
    emulator.seedSessions(['pk-dc-1']);

    const answer = await webhooks().disconnect('pk-dc-1');

    expect(answer).toEqual({ userId: 'pk-dc-1', action: 'destroyed' });
    expect(emulator.liveSessions()).not.toContain('pk-dc-1');
    expect((await store.get('pk-dc-1'))?.state).toBe('destroyed');
    expect(invocations.at(-1)?.nodeVersion).toMatch(runtimeNode);
  });

  it('reap: the scheduled event destroys the stale sessions in the table, and only those', async () => {
    const stale = ['pk-stale-1', 'pk-stale-2', 'pk-stale-3'];
    await store.recordActivity(stale, Date.now() - 3_600_000);
    await store.recordActivity(['pk-fresh-1'], Date.now());
    emulator.seedSessions([...stale, 'pk-fresh-1']);

    const run = await fns.reap.invoke<Record<string, unknown>>(
      scheduledEvent('car-reaper-dev-reap'),
    );

    expect(run.error).toBeUndefined();
    expect(run.nodeVersion).toMatch(runtimeNode);
    expect(run.result).toMatchObject({ trigger: 'schedule', destroyed: 3, failed: 0 });
    for (const userId of stale) expect((await store.get(userId))?.state).toBe('destroyed');
    expect((await store.get('pk-fresh-1'))?.state).toBe('active');
    expect(emulator.liveSessions()).toEqual(['pk-fresh-1']);
    // Its events went to the stack's bus: one session.destroyed each, and the summary.
    const destroyed = eventBus.accepted.filter((e) => e.DetailType === 'session.destroyed');
    const users = destroyed.map((e) => (JSON.parse(e.Detail) as { data: { userId: string } }).data);
    expect(users.map((data) => data.userId).sort()).toEqual(expect.arrayContaining(stale));
    expect(eventBus.types()).toContain('reap.completed');
    expect(eventBus.accepted.every((e) => e.EventBusName === 'car-reaper-dev')).toBe(true);
  });
});
