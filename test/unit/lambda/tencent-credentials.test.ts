import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import type { ParameterSource } from '../../../src/lambda/parameter-source.js';
import {
  cachedParameterCredentials,
  tencentCredentialProvider,
} from '../../../src/lambda/tencent-credentials.js';

const names = { secretId: '/car/id', secretKey: '/car/key' };

const countingSource = (values: Record<string, string>) => {
  const calls: string[][] = [];
  const source: ParameterSource = async (wanted) => {
    calls.push([...wanted]);
    return {
      values: Object.fromEntries(
        wanted.filter((n) => n in values).map((n) => [n, values[n] as string]),
      ),
      missing: wanted.filter((n) => !(n in values)),
    };
  };
  return { source, calls };
};

describe('Function: cachedParameterCredentials', () => {
  it('fetches both parameters in one call and reuses them within the TTL', async () => {
    let now = 0;
    const { source, calls } = countingSource({ '/car/id': 'AKID', '/car/key': 'KEY' });
    const provider = cachedParameterCredentials({ source, names, ttlMs: 1000, clock: () => now });
    expect(await provider()).toEqual({ secretId: 'AKID', secretKey: 'KEY' });
    now = 999;
    await provider();
    expect(calls).toEqual([['/car/id', '/car/key']]);
    now = 1000;
    await provider();
    expect(calls).toHaveLength(2);
  });

  it('shares one request between concurrent callers', async () => {
    const { source, calls } = countingSource({ '/car/id': 'AKID', '/car/key': 'KEY' });
    const provider = cachedParameterCredentials({ source, names });
    await Promise.all([provider(), provider(), provider()]);
    expect(calls).toHaveLength(1);
  });

  it('names the variable of a missing parameter and caches no failure', async () => {
    const values: Record<string, string> = { '/car/id': 'AKID' };
    const { source, calls } = countingSource(values);
    const provider = cachedParameterCredentials({ source, names });
    const error = await provider().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      'TENCENTCLOUD_SECRET_KEY_PARAMETER: SSM parameter /car/key was not found',
    );
    values['/car/key'] = 'KEY';
    expect(await provider()).toEqual({ secretId: 'AKID', secretKey: 'KEY' });
    expect(calls).toHaveLength(2);
  });

  it('reads the session token parameter when named', async () => {
    const { source } = countingSource({ '/car/id': 'A', '/car/key': 'K', '/car/token': 'T' });
    const provider = cachedParameterCredentials({
      source,
      names: { ...names, sessionToken: '/car/token' },
    });
    expect(await provider()).toEqual({ secretId: 'A', secretKey: 'K', sessionToken: 'T' });
  });
});

describe('Function: tencentCredentialProvider', () => {
  const noSource = (): ParameterSource => {
    throw new Error('SSM must not be used');
  };

  it('reads the SSM parameters when no plain pair is set (deployed)', async () => {
    const { source } = countingSource({ '/car/id': 'A', '/car/key': 'K' });
    const provider = tencentCredentialProvider(
      {
        TENCENTCLOUD_SECRET_ID_PARAMETER: '/car/id',
        TENCENTCLOUD_SECRET_KEY_PARAMETER: '/car/key',
      },
      { tencent: {} },
      () => source,
    );
    expect(typeof provider).toBe('function');
    expect(await (provider as () => Promise<unknown>)()).toEqual({ secretId: 'A', secretKey: 'K' });
  });

  it('lets a plain pair win for local use, without touching SSM', () => {
    const env = {
      TENCENTCLOUD_SECRET_ID_PARAMETER: '/car/id',
      TENCENTCLOUD_SECRET_KEY_PARAMETER: '/car/key',
    };
    expect(
      tencentCredentialProvider(env, { tencent: { secretId: 'id', secretKey: 'key' } }, noSource),
    ).toEqual({ secretId: 'id', secretKey: 'key' });
    expect(tencentCredentialProvider({}, { tencent: {} }, noSource)).toBeUndefined();
  });

  it('refuses half a pair of parameter names, naming the missing one', () => {
    expect(() =>
      tencentCredentialProvider(
        { TENCENTCLOUD_SECRET_ID_PARAMETER: '/car/id' },
        { tencent: {} },
        noSource,
      ),
    ).toThrow(/^TENCENTCLOUD_SECRET_KEY_PARAMETER: /);
  });
});
