import { describe, expect, it } from 'vitest';
import type { ParameterSource } from '../../../src/lambda/parameter-source.js';
import { webhookSecretProvider } from '../../../src/lambda/webhook-secret.js';

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
      { webhookSecret: 'plain' },
      noSource,
    );
    expect(await provider()).toBe('plain');
  });

  it('reads the named SSM parameter otherwise', async () => {
    const provider = webhookSecretProvider({ WEBHOOK_SECRET_PARAMETER: '/p' }, {}, () =>
      source({ '/p': 'from-ssm' }),
    );
    expect(await provider()).toBe('from-ssm');
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
