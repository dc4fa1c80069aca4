import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CarFailure } from '../../../src/car/car-api.js';
import { createTencentCarApi } from '../../../src/car/tencent-car-api.js';
import { type CarTestStack, startCarTestStack, testCredentials } from '../../helpers/car.js';

/** A server that answers every request with whatever the current test sets. */
let answer: { status: number; body: string; contentType?: string } = { status: 200, body: '' };
let server: Server;
let url: string;
let stack: CarTestStack;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'Content-Type': answer.contentType ?? 'application/json' });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startCarTestStack();
});
afterAll(async () => {
  await stack.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const destroyAgainst = async (body: string, status = 200): Promise<CarFailure> => {
  answer = { status, body };
  const car = createTencentCarApi({ endpoint: url, credentials: testCredentials });
  const result = await car.destroySession('zoe');
  car.close();
  expect(result.ok).toBe(false);
  return (result as { error: CarFailure }).error;
};

describe('Class: TencentCarApi, answers that are not CAR envelopes', () => {
  it.each([502, 503, 504])('HTTP %i is retryable with the status', async (status) => {
    const error = await destroyAgainst('<html>bad gateway</html>', status);

    expect(error).toMatchObject({ class: 'retryable', code: 'HttpError', httpStatus: status });
  });

  it('HTTP 429 is throttled', async () => {
    expect(await destroyAgainst('slow down', 429)).toMatchObject({ class: 'throttled' });
  });

  it('HTTP 404 is retryable but unknown, so the caller caps it', async () => {
    const error = await destroyAgainst('not here', 404);

    expect(error).toMatchObject({ class: 'retryable', httpStatus: 404, unknown: true });
  });

  it.each([
    ['not JSON', 'this is not json'],
    ['JSON without Response', '{"foo":1}'],
    ['an empty body', ''],
  ])('%s is a retryable InvalidResponse', async (_, body) => {
    const error = await destroyAgainst(body);

    expect(error).toMatchObject({ class: 'retryable', code: 'InvalidResponse' });
  });

  it('a success missing the counts is a retryable InvalidResponse', async () => {
    answer = { status: 200, body: '{"Response":{"RequestId":"r-1"}}' };
    const car = createTencentCarApi({ endpoint: url, credentials: testCredentials });

    const result = await car.describeConcurrentCount();

    expect(result).toMatchObject({ ok: false, error: { code: 'InvalidResponse' } });
    car.close();
  });
});

describe('Option: agent', () => {
  const saved = process.env.http_proxy;
  afterEach(() => {
    if (saved === undefined) delete process.env.http_proxy;
    else process.env.http_proxy = saved;
  });

  it('the explicit agent keeps the SDK off http_proxy, which it would otherwise use', async () => {
    // Nothing listens on port 9 of 127.0.0.1: a request through this proxy fails.
    process.env.http_proxy = 'http://127.0.0.1:9';
    const require = createRequire(import.meta.url);
    const {
      Client,
    } = require('tencentcloud-sdk-nodejs/tencentcloud/services/car/v20220110/car_client');
    const bare = new Client({
      credential: testCredentials,
      profile: {
        httpProfile: {
          endpoint: new URL(stack.emulator.url).host,
          protocol: 'http://',
          reqTimeout: 2,
        },
      },
    });

    const viaProxy = await bare.DestroySession({ UserId: 'olga' }).then(
      () => 'answered',
      () => 'failed',
    );
    const ours = await stack.car.destroySession('olga');

    expect(viaProxy).toBe('failed');
    expect(ours.ok).toBe(true);
  });
});

describe('Function: createTencentCarApi, bad options', () => {
  it.each([
    ['ftp://car.example', 'CAR_ENDPOINT'],
    ['not a url', 'CAR_ENDPOINT'],
    ['https://car.tencentcloudapi.com/v1', 'CAR_ENDPOINT'],
  ])('endpoint %j fails naming %s', (endpoint, variable) => {
    expect(() => createTencentCarApi({ endpoint, credentials: testCredentials })).toThrow(
      expect.objectContaining({ variable }),
    );
  });

  it('a missing secret key fails naming the credential, without echoing secrets', () => {
    expect(() =>
      createTencentCarApi({ credentials: { secretId: 'AKIDx', secretKey: '' } }),
    ).toThrow(/secretKey is missing/);
  });

  it('a non-positive timeout fails naming CAR_TIMEOUT_MS', () => {
    expect(() => createTencentCarApi({ credentials: testCredentials, timeoutMs: 0 })).toThrow(
      /CAR_TIMEOUT_MS/,
    );
  });
});
