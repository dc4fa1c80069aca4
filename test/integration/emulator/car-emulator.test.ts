import { request } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { runEmulatorFromCli, startCarEmulator } from '../../../src/emulator/index.js';
import { ConfigError, ValidationError } from '../../../src/errors.js';
import { findFreePort } from '../../../src/local/free-port.js';
import { type CarTestStack, startCarTestStack, testCredentials } from '../../helpers/car.js';

const stack: CarTestStack = await startCarTestStack();
afterAll(() => stack.stop());
beforeEach(() => stack.emulator.reset());

describe('Emulator: session registry', () => {
  it('CreateSession adds, DestroySession removes, DescribeConcurrentCount counts', async () => {
    stack.emulator.configure({ seats: 3 });
    await stack.car.createSession('u1', '198.51.100.1');
    await stack.car.createSession('u2', '198.51.100.2');
    await stack.car.createSession('u1', '198.51.100.1'); // same user: still one session

    expect(stack.emulator.liveSessions()).toEqual(['u1', 'u2']);
    await stack.car.destroySession('u1');

    expect(stack.emulator.liveSessions()).toEqual(['u2']);
    expect(await stack.car.describeConcurrentCount()).toMatchObject({
      ok: true,
      value: { running: 1, total: 3 },
    });
  });

  it('CreateSession fails when every seat is taken', async () => {
    stack.emulator.configure({ seats: 1 });
    stack.emulator.seedSessions(['u1']);

    const result = await stack.car.createSession('u2', '198.51.100.2');

    expect(result).toMatchObject({ ok: false, error: { code: 'ResourceNotFound.NoIdle' } });
  });

  it('CreateSession without UserIp answers MissingParameter', async () => {
    const result = await stack.car.createSession('u1', '');

    expect(result).toMatchObject({
      ok: false,
      error: { code: 'MissingParameter', class: 'terminal' },
    });
  });

  it('reset forgets calls, sessions and settings given after start', async () => {
    stack.emulator.seedSessions(['u1']);
    stack.emulator.configure({ faults: { errorRate: 1 } });
    await stack.car.destroySession('u1');

    stack.emulator.reset();

    expect(stack.emulator.calls()).toEqual([]);
    expect(stack.emulator.liveSessions()).toEqual([]);
    expect((await stack.car.destroySession('u1')).ok).toBe(true);
  });
});

describe('Emulator: faults and latency', () => {
  it('injects error codes per UserId, leaving other users alone', async () => {
    stack.emulator.configure({ faults: { userErrors: { bad: 'FailedOperation' } } });

    const bad = await stack.car.destroySession('bad');
    const good = await stack.car.destroySession('good');

    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'FailedOperation', class: 'retryable' },
    });
    expect(good.ok).toBe(true);
  });

  it('applies rates with the injected random source (hang, then reset, then error)', async () => {
    const draws = [0.05, 0.15, 0.25, 0.9];
    stack.emulator.configure({
      random: () => draws.shift() ?? 0.99,
      faults: { hangRate: 0.1, resetRate: 0.1, errorRate: 0.1, errorCodes: ['InternalError'] },
    });
    const car = stack.client({ timeoutMs: 300 });

    for (const id of ['a', 'b', 'c', 'd']) await car.destroySession(id);

    expect(stack.emulator.calls().map((c) => c.outcome)).toEqual(['hang', 'reset', 'error', 'ok']);
  });

  it('faults limited to some actions leave the others alone', async () => {
    stack.emulator.configure({ faults: { errorRate: 1, actions: ['DescribeConcurrentCount'] } });

    expect((await stack.car.destroySession('x')).ok).toBe(true);
    expect((await stack.car.describeConcurrentCount()).ok).toBe(false);
  });

  it('answers no sooner than the configured latency, and counts the arrival before it', async () => {
    stack.emulator.configure({ latency: { meanMs: 250, jitterMs: 0 } });
    const started = Date.now();
    // Lower bounds only: a loaded machine can make the answer later, never earlier.
    const result = await stack.car.destroySession('slow');
    const answered = Date.now();

    expect(result.ok).toBe(true);
    expect(answered - started).toBeGreaterThanOrEqual(240);
    expect(answered - (stack.emulator.calls()[0]?.at ?? answered)).toBeGreaterThanOrEqual(240);
  });

  it('refuses out-of-range settings naming the field', () => {
    expect(() => stack.emulator.configure({ faults: { errorRate: 2 } })).toThrow(ValidationError);
    expect(() => stack.emulator.configure({ faults: { errorRate: 2 } })).toThrow(
      /faults.errorRate/,
    );
    expect(() => stack.emulator.configure({ rate: { DestroySession: 0 } })).toThrow(
      /rate.DestroySession/,
    );
    expect(() => stack.emulator.configure({ latency: { meanMs: -1 } })).toThrow(/latency.meanMs/);
  });
});

describe('Function: startCarEmulator, credentials', () => {
  it('takes the key pair from TENCENTCLOUD_SECRET_ID / _KEY by default', async () => {
    const emulator = await startCarEmulator({
      env: {
        TENCENTCLOUD_SECRET_ID: testCredentials.secretId,
        TENCENTCLOUD_SECRET_KEY: testCredentials.secretKey,
      },
    });
    const car = stack.client({ endpoint: emulator.url });

    const result = await car.destroySession('env-user');

    await emulator.stop();
    expect(result.ok).toBe(true);
  });

  it('fails naming the variable when the key pair is missing', async () => {
    await expect(startCarEmulator({ env: {} })).rejects.toThrow(ConfigError);
    await expect(startCarEmulator({ env: { TENCENTCLOUD_SECRET_ID: 'AKIDx' } })).rejects.toThrow(
      /TENCENTCLOUD_SECRET_KEY/,
    );
  });
});

describe('Function: runEmulatorFromCli', () => {
  it('prints exactly one listening line once it accepts connections', async () => {
    const port = await findFreePort();
    const lines: string[] = [];

    const emulator = await runEmulatorFromCli({
      port,
      rate: 5,
      env: {
        TENCENTCLOUD_SECRET_ID: testCredentials.secretId,
        TENCENTCLOUD_SECRET_KEY: testCredentials.secretKey,
      },
      write: (line) => lines.push(line),
    });
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`http://127.0.0.1:${port}/`, { method: 'POST' }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end('{}');
    });
    await emulator.stop();

    expect(lines).toEqual([`listening on http://127.0.0.1:${port}\n`]);
    expect(status).toBe(200);
  });
});
