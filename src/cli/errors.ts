import { CommanderError } from 'commander';
import { ConfigError, ReaperError, StoreError, ValidationError } from '../errors.js';
import { ExitCode } from './exit-codes.js';

/** A reap or destroy stopped because CAR refused the credentials; the summary was printed. */
export class CarAuthError extends ReaperError {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`CAR refused the credentials (${code}): ${message}`);
  }
}

/** DynamoDB could not be reached; the message names the endpoint. */
export class DynamoDbUnreachableError extends ReaperError {
  constructor(
    readonly endpoint: string,
    cause: unknown,
  ) {
    super(`cannot reach DynamoDB at ${endpoint}: ${rootMessage(cause)}`, { cause });
  }
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
]);
const networkNames = new Set(['TimeoutError', 'NetworkingError', 'RequestTimeout']);

/** Walks an error, its `cause`s and AggregateError members. */
function* chain(error: unknown, depth = 0): Generator<unknown> {
  if (error === undefined || error === null || depth > 8) return;
  yield error;
  if (typeof error !== 'object') return;
  const { cause, errors } = error as { cause?: unknown; errors?: unknown };
  yield* chain(cause, depth + 1);
  if (Array.isArray(errors)) for (const member of errors) yield* chain(member, depth + 1);
}

/** True when the failure is the network refusing or losing the connection (not an answer). */
export function isNetworkFailure(error: unknown): boolean {
  for (const link of chain(error)) {
    if (typeof link !== 'object' || link === null) continue;
    const { code, name } = link as { code?: unknown; name?: unknown };
    if (typeof code === 'string' && networkCodes.has(code)) return true;
    if (typeof name === 'string' && networkNames.has(name)) return true;
  }
  return false;
}

function rootMessage(error: unknown): string {
  let last = '';
  for (const link of chain(error)) {
    if (link instanceof Error && link.message) last = link.message;
    else if (typeof link === 'string') last = link;
  }
  return last || String(error);
}

/** What the CLI prints for a failure, and the status it exits with. */
export interface ErrorReport {
  exitCode: number;
  /** Printed on stderr; undefined when commander already printed it. */
  message?: string;
}

/**
 * Maps any failure to a message and an exit status, in one place:
 * usage 2, everything else 1. `dynamodbEndpoint` names the endpoint when the
 * failure is DynamoDB being out of reach.
 */
export function reportError(
  error: unknown,
  context: { dynamodbEndpoint?: string } = {},
): ErrorReport {
  if (error instanceof CommanderError) {
    // Help and version are successes; a bare group command (`car-reaper table`) is a usage error.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') {
      return { exitCode: ExitCode.ok };
    }
    return { exitCode: ExitCode.usage };
  }
  if (error instanceof ConfigError) return { exitCode: ExitCode.failure, message: error.message };
  if (error instanceof ValidationError) return { exitCode: ExitCode.usage, message: error.message };
  if (error instanceof DynamoDbUnreachableError || error instanceof CarAuthError) {
    return { exitCode: ExitCode.failure, message: error.message };
  }
  if (error instanceof StoreError) {
    // The store's messages name the endpoint already; make sure of it.
    const endpoint = error.options.endpoint ?? context.dynamodbEndpoint;
    const message =
      endpoint && !error.message.includes(endpoint)
        ? `${error.message} (DynamoDB at ${endpoint})`
        : error.message;
    return { exitCode: ExitCode.failure, message };
  }
  if (context.dynamodbEndpoint && isNetworkFailure(error)) {
    return {
      exitCode: ExitCode.failure,
      message: new DynamoDbUnreachableError(context.dynamodbEndpoint, error).message,
    };
  }
  if (error instanceof ReaperError) return { exitCode: ExitCode.failure, message: error.message };
  return { exitCode: ExitCode.failure, message: rootMessage(error) };
}
