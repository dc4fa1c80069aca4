import { hostname, userInfo } from 'node:os';
import type { Config } from '../config.js';

/** How long the STS call may take before the local user is recorded instead. */
const STS_TIMEOUT_MS = 3000;

/** The local OS user, e.g. `local:alice@build-7`. */
export function localIdentity(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
  return `local:${user}@${hostname()}`;
}

/**
 * Who is running the CLI, for the record of an exemption: the AWS principal
 * (STS GetCallerIdentity, the ARN) when the table is in AWS, else (DynamoDB
 * Local, or STS out of reach) the local OS user. Never throws: an exemption
 * is not refused for want of a name.
 */
export async function callerIdentity(
  config: Pick<Config, 'awsRegion' | 'dynamodbEndpoint'>,
): Promise<string> {
  if (config.dynamodbEndpoint !== undefined) return localIdentity();
  try {
    const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
    const client = new STSClient({ region: config.awsRegion });
    try {
      const output = await client.send(new GetCallerIdentityCommand({}), {
        abortSignal: AbortSignal.timeout(STS_TIMEOUT_MS),
      });
      return output.Arn ?? localIdentity();
    } finally {
      client.destroy();
    }
  } catch {
    return localIdentity();
  }
}
