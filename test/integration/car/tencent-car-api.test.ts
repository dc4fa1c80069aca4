import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { CarFailure } from '../../../src/car/car-api.js';
import { createTencentCarApi } from '../../../src/car/tencent-car-api.js';
import { type CarTestStack, startCarTestStack, testCredentials } from '../../helpers/car.js';

const stack: CarTestStack = await startCarTestStack();
afterAll(() => stack.stop());
beforeEach(() => stack.emulator.reset());

const failureOf = async (result: Promise<{ ok: boolean; error?: CarFailure }>) => {
  const outcome = await result;
  expect(outcome.ok).toBe(false);
  return outcome.error as CarFailure;
};

describe('Class: TencentCarApi (tencentcloud-sdk-nodejs against the emulator)', () => {
  describe('Method: destroySession', () => {
    it('ends a live session and returns the request id CAR gave', async () => {
      stack.emulator.seedSessions(['alice', 'bob']);

      const result = await stack.car.destroySession('alice');

      expect(result.ok).toBe(true);
      expect(stack.emulator.liveSessions()).toEqual(['bob']);
      const [call] = stack.emulator.calls();
      expect(result).toEqual({ ok: true, value: { requestId: call?.requestId } });
      expect(call).toMatchObject({ action: 'DestroySession', userId: 'alice', outcome: 'ok' });
    });

    it('treats a UserId without a live session as done', async () => {
      expect((await stack.car.destroySession('nobody')).ok).toBe(true);
    });
  });

  describe('Method: describeConcurrentCount', () => {
    it('reports live sessions as running and the configured seats as total', async () => {
      stack.emulator.configure({ seats: 7 });
      expect((await stack.car.createSession('carol', '203.0.113.9')).ok).toBe(true);
      stack.emulator.seedSessions(['dave']);

      const result = await stack.car.describeConcurrentCount();

      expect(result).toMatchObject({ ok: true, value: { running: 2, total: 7 } });
    });
  });

  describe('Failures: one class per CAR code', () => {
    it.each([
      ['RequestLimitExceeded', 'throttled'],
      ['RequestLimitExceeded.UinLimitExceeded', 'throttled'],
      ['InternalError', 'retryable'],
      ['FailedOperation', 'retryable'],
      ['FailedOperation.ProcessTimeout', 'retryable'],
      ['ResourceUnavailable.AccessFailed', 'retryable'],
      ['ServiceUnavailable', 'retryable'],
      ['AuthFailure.UnauthorizedOperation', 'auth'],
      ['InvalidParameter.JsonParseError', 'terminal'],
      ['MissingParameter', 'terminal'],
      ['UnauthorizedOperation', 'terminal'],
      ['UnsupportedOperation', 'terminal'],
    ] as const)('%s is %s, with its code and request id', async (code, errorClass) => {
      stack.emulator.configure({ faults: { errorRate: 1, errorCodes: [code] } });

      const error = await failureOf(stack.car.destroySession('erin'));

      const [call] = stack.emulator.calls();
      expect(error).toMatchObject({ class: errorClass, code, requestId: call?.requestId });
      expect(error.unknown).toBeUndefined();
    });

    it('an unknown code is retryable and marked unknown so the caller caps it', async () => {
      stack.emulator.configure({ faults: { errorRate: 1, errorCodes: ['BrandNew.Code'] } });

      const error = await failureOf(stack.car.destroySession('erin'));

      expect(error).toMatchObject({ class: 'retryable', code: 'BrandNew.Code', unknown: true });
    });

    it('a real quota rejection from the emulator is throttled', async () => {
      stack.emulator.configure({ rate: { DestroySession: 1 } });
      expect((await stack.car.destroySession('a')).ok).toBe(true);

      const error = await failureOf(stack.car.destroySession('b'));

      expect(error).toMatchObject({ class: 'throttled', code: 'RequestLimitExceeded' });
    });
  });

  describe('Failures: transport', () => {
    it('a call the server never answers becomes a retryable Timeout after timeoutMs', async () => {
      stack.emulator.configure({ faults: { hangRate: 1 } });
      const car = stack.client({ timeoutMs: 150 });

      const error = await failureOf(car.destroySession('frank'));

      expect(error).toMatchObject({ class: 'retryable', code: 'Timeout' });
      expect(error.message).toContain('150 ms');
    });

    it('a credential provider that hangs is cut by the same timeout', async () => {
      const car = stack.client({
        timeoutMs: 100,
        credentials: { getCredential: () => new Promise(() => {}) },
      });

      expect(await failureOf(car.destroySession('frank'))).toMatchObject({ code: 'Timeout' });
    });

    it('a reset connection is a retryable NetworkError', async () => {
      stack.emulator.configure({ faults: { resetRate: 1 } });

      const error = await failureOf(stack.car.destroySession('gina'));

      expect(error).toMatchObject({ class: 'retryable', code: 'NetworkError' });
    });

    it('a refused connection is a retryable NetworkError', async () => {
      const closed = await startCarTestStack();
      await closed.stop();
      const car = createTencentCarApi({
        endpoint: closed.emulator.url,
        credentials: testCredentials,
      });

      const error = await failureOf(car.destroySession('gina'));

      expect(error).toMatchObject({ class: 'retryable', code: 'NetworkError' });
      car.close();
    });

    it('stopping the emulator releases a hung call', async () => {
      const local = await startCarTestStack({ emulator: { faults: { hangRate: 1 } } });
      const car = local.client({ timeoutMs: 30_000 });
      const pending = car.destroySession('hank');
      await expect.poll(() => local.emulator.calls().length).toBe(1);

      await local.stop();

      expect(await failureOf(pending)).toMatchObject({ class: 'retryable', code: 'NetworkError' });
    });
  });

  describe('Failures: credentials', () => {
    it('a wrong secret key is AuthFailure.SignatureFailure (class auth)', async () => {
      const car = stack.client({
        credentials: { secretId: testCredentials.secretId, secretKey: 'not-the-right-key-123' },
      });

      const error = await failureOf(car.destroySession('ivy'));

      expect(error).toMatchObject({ class: 'auth', code: 'AuthFailure.SignatureFailure' });
    });

    it('an unknown secret id is AuthFailure.SecretIdNotFound (class auth)', async () => {
      const car = stack.client({
        credentials: { secretId: 'AKIDunknown', secretKey: testCredentials.secretKey },
      });

      const error = await failureOf(car.destroySession('ivy'));

      expect(error).toMatchObject({ class: 'auth', code: 'AuthFailure.SecretIdNotFound' });
    });

    it('a clock skewed past 300 s is AuthFailure.SignatureExpire, and the message says so', async () => {
      // The client signs with the real time; the emulator's clock runs 400 s ahead.
      stack.emulator.configure({ clock: () => Date.now() + 400_000 });

      const error = await failureOf(stack.car.destroySession('jack'));

      expect(error).toMatchObject({ class: 'auth', code: 'AuthFailure.SignatureExpire' });
      expect(error.message).toMatch(/clock is skewed/);
    });

    it('a skew within 300 s is accepted', async () => {
      stack.emulator.configure({ clock: () => Date.now() - 200_000 });

      expect((await stack.car.destroySession('jack')).ok).toBe(true);
    });

    it('reads credentials from a dynamic provider on each call, session token included', async () => {
      stack.emulator.configure({
        credentials: { ...testCredentials, sessionToken: 'sts-token-value-0001' },
      });
      let token = 'stale-token-value-0000';
      const car = stack.client({
        credentials: { getCredential: async () => ({ ...testCredentials, sessionToken: token }) },
      });

      const before = await failureOf(car.destroySession('kim'));
      token = 'sts-token-value-0001';
      const after = await car.destroySession('kim');

      expect(before).toMatchObject({ class: 'auth', code: 'AuthFailure.TokenFailure' });
      expect(after.ok).toBe(true);
      expect(JSON.stringify(before)).not.toContain('stale-token-value-0000');
    });

    it('accepts a provider given as a plain async function', async () => {
      const car = stack.client({ credentials: async () => ({ ...testCredentials }) });

      expect((await car.destroySession('kim')).ok).toBe(true);
    });

    it('prepare asks the provider before any call, and a failing provider does not make it reject', async () => {
      let asked = 0;
      const car = stack.client({
        credentials: async () => {
          asked++;
          return { ...testCredentials };
        },
      });
      await car.prepare?.();
      expect(asked).toBe(1);
      expect(stack.emulator.calls()).toHaveLength(0);

      const failing = stack.client({
        credentials: async () => {
          throw new Error('SSM is down');
        },
      });
      await expect(failing.prepare?.()).resolves.toBeUndefined();
    });

    it('a failing provider is class auth, with the provider message and no signature', async () => {
      const signature = 'ab'.repeat(32);
      const car = stack.client({
        credentials: {
          getCredential: async () => {
            throw new Error(`SSM said no (Signature=${signature})`);
          },
        },
      });

      const error = await failureOf(car.destroySession('lee'));

      expect(error).toMatchObject({ class: 'auth', code: 'CredentialsUnavailable' });
      expect(error.message).toContain('SSM said no');
      expect(error.message).not.toContain(signature);
    });
  });

  describe('Secrets', () => {
    it('a provider error repeating a key the client has seen is redacted', async () => {
      let calls = 0;
      const car = stack.client({
        credentials: {
          getCredential: async () => {
            calls += 1;
            if (calls === 1) return { ...testCredentials };
            throw new Error(`rotation failed, old key was ${testCredentials.secretKey}`);
          },
        },
      });
      expect((await car.destroySession('n')).ok).toBe(true);

      const error = await failureOf(car.destroySession('n'));

      expect(error.message).toContain('rotation failed, old key was [redacted]');
      expect(error.message).not.toContain(testCredentials.secretKey);
    });

    it('no failure carries the secret key, the token or a signature', async () => {
      const secretKey = 'super-secret-key-value-987';
      const sessionToken = 'super-secret-token-654';
      stack.emulator.configure({
        credentials: { secretId: testCredentials.secretId, secretKey, sessionToken },
      });
      const car = stack.client({
        timeoutMs: 150,
        credentials: { secretId: testCredentials.secretId, secretKey, sessionToken },
      });
      const wrongKey = 'another-secret-key-321';
      const wrong = stack.client({
        credentials: { secretId: testCredentials.secretId, secretKey: wrongKey, sessionToken },
      });
      const failures: CarFailure[] = [];
      failures.push(await failureOf(wrong.destroySession('m')));
      for (const faults of [{ errorRate: 1 }, { hangRate: 1 }, { resetRate: 1 }]) {
        stack.emulator.configure({ faults });
        failures.push(await failureOf(car.destroySession('m')));
      }

      expect(failures.map((f) => f.code)).toEqual([
        'AuthFailure.SignatureFailure',
        'InternalError',
        'Timeout',
        'NetworkError',
      ]);
      const text = JSON.stringify(failures);
      for (const secret of [secretKey, sessionToken, wrongKey, 'TC3-HMAC-SHA256']) {
        expect(text).not.toContain(secret);
      }
    });
  });
});
