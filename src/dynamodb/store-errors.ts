import { ReaperError, StoreError } from '../errors.js';

/** Error names DynamoDB (or the SDK) uses for conditions worth retrying later. */
const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Node socket error codes meaning "could not talk to the endpoint at all". */
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

interface SdkLikeError {
  name?: string;
  code?: string;
  message?: string;
  errno?: unknown;
  $metadata?: { httpStatusCode?: number };
}

const connectionCode = (error: SdkLikeError): string | undefined => {
  if (error.code && CONNECTION_CODES.has(error.code)) return error.code;
  // AggregateError (happy-eyeballs tried several addresses) keeps the codes inside.
  const inner = (error as { errors?: SdkLikeError[] }).errors;
  return inner?.map((each) => each.code).find((code) => code && CONNECTION_CODES.has(code));
};

/** Whether `error` is DynamoDB's ConditionalCheckFailedException. */
export const isConditionalCheckFailed = (error: unknown): boolean =>
  (error as SdkLikeError | undefined)?.name === 'ConditionalCheckFailedException';

/**
 * Translates whatever the SDK threw into the project's errors, so no raw SDK
 * error leaves the store. The project's own errors pass through unchanged.
 */
export function toStoreError(
  error: unknown,
  context: { operation: string; endpoint: string; tableName: string },
): ReaperError {
  if (error instanceof ReaperError) return error;
  const sdk = (error ?? {}) as SdkLikeError;
  const name = sdk.name ?? 'Error';
  const detail = sdk.message ?? String(error);
  const { operation, endpoint, tableName } = context;
  const code = connectionCode(sdk);
  if (code !== undefined) {
    return new StoreError(`cannot reach DynamoDB at ${endpoint} (${code}) during ${operation}`, {
      cause: error,
      retryable: true,
      endpoint,
    });
  }
  if (name === 'ResourceNotFoundException') {
    return new StoreError(
      `table ${JSON.stringify(tableName)} not found at ${endpoint} (create it with \`car-reaper table create\`): ${detail}`,
      { cause: error, retryable: false, endpoint },
    );
  }
  const status = sdk.$metadata?.httpStatusCode;
  const retryable = RETRYABLE_NAMES.has(name) || (status !== undefined && status >= 500);
  return new StoreError(`DynamoDB ${operation} failed at ${endpoint}: ${name}: ${detail}`, {
    cause: error,
    retryable,
    endpoint,
  });
}
