import { describe, expect, it } from 'vitest';
import type { ParameterSource } from '../../../src/lambda/parameter-source.js';
import {
  WEBHOOK_SECRET_CACHE_TTL_MS,
  webhookSecretProvider,
} from '../../../src/lambda/webhook-secret.js';
import { testWebhookSecret } from '../../helpers/webhook-fakes.js';

const oldSecret = testWebhookSecret('old');
const newSecret = testWebhookSecret('new');

const source =
  (held: Record<string, string>): ParameterSource =>
  async (names) => ({
    values: Object.fromEntries(names.filter((n) => n in held).map((n) => [n, held[n] as string])),
    missing: names.filter((n) => !(n in held)),
  });
const noSource = (): ParameterSource => {
  throw new Error('SSM must not be used');
};

describe('Function: webhookSecretProvider', () => {
  it('uses the plain WEBHOOK_SECRET when set', async () => {
    const provider = webhookSecretProvider(
      { WEBHOOK_SECRET_PARAMETER: '/p' },
      { webhookSecret: oldSecret },
      noSource,
    );
    expect(await provider()).toBe(oldSecret);
  });

  it('reads the named SSM parameter otherwise', async () => {
    const provider = webhookSecretProvider({ WEBHOOK_SECRET_PARAMETER: '/p' }, {}, () =>
      source({ '/p': `${oldSecret} ${newSecret}` }),
    );
    expect(await provider()).toBe(`${oldSecret} ${newSecret}`);
  });

  it('keeps serving the last good value while SSM fails, asking again only after a pause', async () => {
    let now = 0;
    let calls = 0;
    let failing = false;
    const flaky: ParameterSource = async (names) => {
      calls += 1;
      if (failing) throw new Error('ThrottlingException: Rate exceeded');
      return source({ '/p': newSecret })(names);
    };
    const errors: Array<[string, boolean]> = [];
    const provider = webhookSecretProvider({ WEBHOOK_SECRET_PARAMETER: '/p' }, {}, () => flaky, {
      clock: () => now,
      onError: (error, servingLastGood) => errors.push([String(error), servingLastGood]),
    });
    expect(await provider()).toBe(newSecret);
    failing = true;
    now += WEBHOOK_SECRET_CACHE_TTL_MS;
    const during = await Promise.all(Array.from({ length: 50 }, () => provider()));
    expect(new Set(during)).toEqual(new Set([newSecret]));
    expect(calls).toBe(2);
    expect(errors).toEqual([['Error: ThrottlingException: Rate exceeded', true]]);
    now += 5_000;
    failing = false;
    expect(await provider()).toBe(newSecret);
    expect(calls).toBe(3);
  });

  it('keeps the last good value when the parameter turns malformed, naming it', async () => {
    let now = 0;
    let held = oldSecret;
    const errors: unknown[] = [];
    const provider = webhookSecretProvider(
      { WEBHOOK_SECRET_PARAMETER: '/p' },
      {},
      () => async (names) => source({ '/p': held })(names),
      { clock: () => now, onError: (error) => errors.push(error) },
    );
    expect(await provider()).toBe(oldSecret);
    held = 'whsec_c2hvcnQ=';
    now += WEBHOOK_SECRET_CACHE_TTL_MS;
    expect(await provider()).toBe(oldSecret);
    expect(String(errors[0])).toContain('SSM parameter /p: a webhook secret must hold at least 24');
  });

  it('is undefined (webhooks refused) with neither, or when the parameter is missing', async () => {
    expect(await webhookSecretProvider({}, {}, noSource)()).toBeUndefined();
    const errors: unknown[] = [];
    const provider = webhookSecretProvider(
      { WEBHOOK_SECRET_PARAMETER: '/p' },
      {},
      () => source({}),
      {
        onError: (error) => errors.push(error),
      },
    );
    expect(await provider()).toBeUndefined();
    expect(String(errors[0])).toMatch(/SSM parameter \/p was not found/);
  });
});
