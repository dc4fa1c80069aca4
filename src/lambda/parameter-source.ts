import { GetParametersCommand, type SSMClient } from '@aws-sdk/client-ssm';

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
 */
export function ssmParameterSource(client: Pick<SSMClient, 'send'>): ParameterSource {
  return async (names) => {
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
