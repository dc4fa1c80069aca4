import { CommanderError } from 'commander';
import { ReaperError, StoreError, ValidationError } from '../errors.js';
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

/** What the CLI prints for a failure, and the status it exits with. */
export interface ErrorReport {
  exitCode: number;
  /** Printed on stderr; undefined when commander already printed it. */
  message?: string;
}

/**
 * Maps any failure to a message and an exit status, in one place:
 * usage 2, everything else 1. The store's errors name the DynamoDB endpoint
 * (`cannot reach DynamoDB at ...`); `dynamodbEndpoint` is added where one does not.
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
  if (error instanceof ValidationError) return { exitCode: ExitCode.usage, message: error.message };
  if (error instanceof StoreError) {
    // The store's messages name the endpoint already; make sure of it.
    const endpoint = error.options.endpoint ?? context.dynamodbEndpoint;
    const message =
      endpoint && !error.message.includes(endpoint)
        ? `${error.message} (DynamoDB at ${endpoint})`
        : error.message;
    return { exitCode: ExitCode.failure, message };
  }
  // ConfigError (names the variable), CarAuthError and anything else.
  return {
    exitCode: ExitCode.failure,
    message: error instanceof Error ? error.message : String(error),
  };
}
