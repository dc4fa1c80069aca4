/**
 * Runs the functions of a `serverless package` output as Lambda would: each
 * zip unzipped into a task root of its own, its handler run by a given `node`
 * binary (the runtime's major) with the template's environment variables,
 * Lambda's own variables and what the caller puts on top.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

const runtimeScript = fileURLToPath(new URL('./fixtures/lambda-runtime.mjs', import.meta.url));

/** What a function's `AWS::Lambda::Function` resource says about how it runs. */
export interface FunctionResource {
  FunctionName: string;
  Handler: string;
  Runtime: string;
  MemorySize: number;
  Timeout: number;
  Environment: { Variables: Record<string, string> };
}

/** The outcome of one invocation: the handler's result or its error, and what it logged. */
export interface Invocation<R> {
  nodeVersion: string;
  result?: R;
  error?: { errorType: string; errorMessage: string };
  logs: string;
}

/** Unzips `<packageDir>/<name>.zip` into `<into>/<name>` and returns that task root. */
export function unzipFunction(packageDir: string, name: string, into: string): string {
  const taskRoot = join(into, name);
  mkdirSync(taskRoot, { recursive: true });
  const result = spawnSync('unzip', ['-q', '-o', join(packageDir, `${name}.zip`), '-d', taskRoot], {
    encoding: 'utf8',
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `cannot unzip ${name}.zip (the unzip command is needed): ${result.error?.message ?? result.stderr}`,
    );
  }
  return taskRoot;
}

/** A deployed function, runnable one invocation at a time. */
export class PackagedFunction {
  constructor(
    private readonly node: string,
    private readonly taskRoot: string,
    private readonly resource: FunctionResource,
    /** Put over the template's variables: local endpoints and plain secrets. */
    private readonly overrides: Record<string, string>,
  ) {}

  /** Lambda's variables, then the template's, then the overrides. */
  private environment(): Record<string, string> {
    const { FunctionName, MemorySize, Runtime, Environment } = this.resource;
    const region = this.overrides.AWS_REGION ?? 'us-east-1';
    return {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: this.taskRoot,
      AWS_EXECUTION_ENV: `AWS_Lambda_${Runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: FunctionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MemorySize),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${FunctionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[$LATEST]${randomUUID().replaceAll('-', '')}`,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      ...Environment.Variables,
      ...this.overrides,
    };
  }

  /** Runs the handler once on `event` in a fresh process (a cold start). */
  invoke<R>(event: unknown): Promise<Invocation<R>> {
    const resultFile = join(this.taskRoot, `.result-${randomUUID()}.json`);
    const child = spawn(
      this.node,
      [
        runtimeScript,
        this.taskRoot,
        this.resource.Handler,
        String(this.resource.Timeout),
        resultFile,
      ],
      { cwd: this.taskRoot, env: this.environment(), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let logs = '';
    child.stdout.on('data', (chunk) => {
      logs += chunk;
    });
    child.stderr.on('data', (chunk) => {
      logs += chunk;
    });
    child.stdin.end(JSON.stringify(event));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.resource.Timeout * 1000);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        try {
          const outcome = JSON.parse(readFileSync(resultFile, 'utf8'));
          resolve({ ...outcome, logs });
        } catch {
          reject(
            new Error(
              `${this.resource.FunctionName} ended (${signal ?? `exit ${code}`}) with no result:\n${logs}`,
            ),
          );
        }
      });
    });
  }
}

/**
 * A `fetch` for the webhook client that turns each request into the event
 * API Gateway's HTTP API (payload 2.0) hands a function, and the function's
 * result into the response, so the project's own client signs the requests.
 */
export function httpApiFetch(
  routes: Record<string, PackagedFunction>,
  onInvocation: (invocation: Invocation<unknown>) => void = () => {},
): typeof globalThis.fetch {
  return async (input, init) => {
    const url = new URL(String(input instanceof Request ? input.url : input));
    const fn = routes[url.pathname];
    if (!fn) return new Response('{"message":"Not Found"}', { status: 404 });
    const invocation = await fn.invoke<APIGatewayProxyStructuredResultV2>(
      httpApiEvent(url, init?.headers, String(init?.body ?? '')),
    );
    onInvocation(invocation);
    if (!invocation.result) {
      // API Gateway answers 500 when the function fails.
      return new Response(`{"message":"Internal Server Error"}`, { status: 500 });
    }
    const { statusCode = 200, body = '', headers = {} } = invocation.result;
    return new Response(body, {
      status: statusCode,
      headers: headers as Record<string, string>,
    });
  };
}

/** An HTTP API payload 2.0 event for `POST <path>` carrying `body` and the given headers. */
export function httpApiEvent(
  url: URL,
  headersInit: ConstructorParameters<typeof Headers>[0],
  body: string,
): APIGatewayProxyEventV2 {
  const now = Date.now();
  const headers: Record<string, string> = {
    host: url.host,
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'car-reaper-test',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'https',
  };
  // HTTP API lowercases header names.
  for (const [name, value] of new Headers(headersInit)) headers[name.toLowerCase()] = value;
  const routeKey = `POST ${url.pathname}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: '',
    headers,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: url.host,
      domainPrefix: url.hostname.split('.')[0] ?? 'local',
      http: {
        method: 'POST',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'car-reaper-test',
      },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

/** The event an EventBridge `rate(1 minute)` rule delivers. */
export function scheduledEvent(ruleName: string): Record<string, unknown> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'us-east-1',
    resources: [`arn:aws:events:us-east-1:000000000000:rule/${ruleName}`],
    detail: {},
  };
}
