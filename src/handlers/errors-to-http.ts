import { StoreError, ValidationError } from '../errors.js';
import type { Logger } from '../logger.js';
import { errorResponse, type HandlerResponse } from '../webhook/http.js';

/**
 * Maps a failure of a webhook handler to an answer: bad input is the caller's
 * (400, naming the field); a store outage is ours (503 when DynamoDB says it
 * may pass, 500 otherwise) and is logged, never echoed with its details.
 */
export function failureResponse(error: unknown, logger: Logger, action: string): HandlerResponse {
  if (error instanceof ValidationError) return errorResponse(400, error.message);
  logger.error(`${action} failed`, {
    error: error instanceof Error ? { name: error.name, message: error.message } : String(error),
  });
  if (error instanceof StoreError && error.retryable) {
    return errorResponse(503, 'session store unavailable; retry later');
  }
  return errorResponse(500, `${action} failed`);
}
