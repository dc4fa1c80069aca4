import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { lambdaSelfInvoker } from '../../../src/lambda/self-invoker.js';

/** A local stand-in for the Lambda Invoke API: records requests, answers 202 like an async invoke. */
describe('Function: lambdaSelfInvoker', () => {
  const seen: { path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      seen.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(202, { 'content-type': 'application/json' }).end();
    });
  });
  let client: LambdaClient;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    client = new LambdaClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('invokes its own function asynchronously with the event as the payload', async () => {
    const invoker = lambdaSelfInvoker({
      client,
      env: { AWS_LAMBDA_FUNCTION_NAME: 'car-reaper-dev-reap' },
    });
    const event = { source: 'aws.events', 'detail-type': 'Scheduled Event' };
    await invoker.invoke(event);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.path).toBe('/2015-03-31/functions/car-reaper-dev-reap/invocations');
    expect(seen[0]?.headers['x-amz-invocation-type']).toBe('Event');
    expect(JSON.parse(seen[0]?.body ?? '')).toEqual(event);
  });

  it('names AWS_LAMBDA_FUNCTION_NAME when it is missing', () => {
    expect(() => lambdaSelfInvoker({ client, env: {} })).toThrow(ConfigError);
    expect(() => lambdaSelfInvoker({ client, env: {} })).toThrow(/AWS_LAMBDA_FUNCTION_NAME/);
  });
});
