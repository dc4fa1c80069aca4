import type { SSMClientConfig } from '@aws-sdk/client-ssm';

/**
 * Reads named secrets, decrypted. Returns the values by name; a name the store
 * does not hold is listed in `missing`. The SSM implementation is below; the
 * credential cache depends only on this signature.
 */
export type ParameterSource = (
  names: readonly string[],
) => Promise<{ values: Record<string, string>; missing: string[] }>;

/**
 * SSM Parameter Store `GetParameters` with `WithDecryption: true` (SecureString),
 * one call for all names (at most 10, SSM's limit for one request).
 *
 * The SSM client is imported on the first read, not at start: a function that
 * never reads a parameter (plain variables set, or a warm cache) never loads it,
 * and a cold start does not pay for it before the first request needs it.
 */
export function ssmParameterSource(clientConfig: SSMClientConfig = {}): ParameterSource {
  let ssm: Promise<typeof import('./ssm-sdk.js')> | undefined;
  let client: import('./ssm-sdk.js').SSMClient | undefined;
  return async (names) => {
    ssm ??= import('./ssm-sdk.js');
    const { GetParametersCommand, SSMClient } = await ssm;
    client ??= new SSMClient(clientConfig);
    const answer = await client.send(
      new GetParametersCommand({ Names: [...names], WithDecryption: true }),
    );
    const values: Record<string, string> = {};
    for (const parameter of answer.Parameters ?? []) {
      if (parameter.Name && parameter.Value !== undefined) values[parameter.Name] = parameter.Value;
    }
    const missing = names.filter((name) => values[name] === undefined);
    return { values, missing };
  };
}
