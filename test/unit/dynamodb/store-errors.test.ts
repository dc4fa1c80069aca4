import { describe, expect, it } from 'vitest';
import { toStoreError } from '../../../src/dynamodb/store-errors.js';
import { StoreError, ValidationError } from '../../../src/errors.js';

const context = { operation: 'UpdateItem', endpoint: 'http://127.0.0.1:8000', tableName: 't' };
const sdkError = (name: string, status?: number) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status } });

describe('Function: toStoreError', () => {
  it('names the endpoint when it cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const error = toStoreError(refused, context);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toMatch(/^cannot reach DynamoDB at http:\/\/127\.0\.0\.1:8000/);
    expect((error as StoreError).retryable).toBe(true);
    expect(error.cause).toBe(refused);
  });

  it.each([
    ['ProvisionedThroughputExceededException', 400, true],
    ['ThrottlingException', 400, true],
    ['InternalServerError', 500, true],
    ['ValidationException', 400, false],
    ['AccessDeniedException', 400, false],
  ])('classifies %s as retryable: %s', (name, status, retryable) => {
    const error = toStoreError(sdkError(name, status), context) as StoreError;
    expect(error).toBeInstanceOf(StoreError);
    expect(error.retryable).toBe(retryable);
    expect(error.message).toContain(name);
  });

  it('passes the project’s own errors through unchanged', () => {
    const own = new ValidationError('userId', 'bad');
    expect(toStoreError(own, context)).toBe(own);
  });
});
