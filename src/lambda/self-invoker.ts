import type { LambdaClient } from '@aws-sdk/client-lambda';
import { ConfigError } from '../errors.js';
import type { SelfInvoker } from './continuation.js';

/** Options of {@link lambdaSelfInvoker}. */
export interface LambdaSelfInvokerOptions {
  /** @default AWS_LAMBDA_FUNCTION_NAME (set by Lambda) */
  functionName?: string;
  /** @default a client for AWS_REGION */
  client?: LambdaClient;
  env?: Record<string, string | undefined>;
}

/**
 * Invokes the running function again, asynchronously (`InvocationType:
 * Event`: Lambda queues the event and answers 202 at once). With reserved
 * concurrency 1 the new invocation is throttled until this one returns;
 * Lambda retries throttled asynchronous events by itself, so it starts
 * seconds after. Needs `lambda:InvokeFunction` on the function's own ARN.
 */
export function lambdaSelfInvoker(options: LambdaSelfInvokerOptions = {}): SelfInvoker {
  const env = options.env ?? process.env;
  const functionName = options.functionName ?? env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) {
    throw new ConfigError('AWS_LAMBDA_FUNCTION_NAME', 'is required to invoke the next run');
  }
  let client = options.client;
  return {
    async invoke(payload: unknown): Promise<void> {
      // Imported here, not at start: only a run that leaves a backlog needs it,
      // and a cold start of the reap function does not pay for it before then.
      const { InvokeCommand, LambdaClient } = await import('./lambda-sdk.js');
      client ??= new LambdaClient({ region: env.AWS_REGION });
      await client.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    },
  };
}
