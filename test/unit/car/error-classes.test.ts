import { describe, expect, it } from 'vitest';
import {
  classifyCarError,
  classifyHttpStatus,
  explainCarError,
} from '../../../src/car/error-classes.js';

describe('Function: classifyCarError', () => {
  it.each([
    ['RequestLimitExceeded', 'throttled'],
    ['RequestLimitExceeded.UinLimitExceeded', 'throttled'],
    ['RequestLimitExceeded.IPLimitExceeded', 'throttled'],
    ['RequestLimitExceeded.GlobalRegionUinLimitExceeded', 'throttled'],
    ['InternalError', 'retryable'],
    ['FailedOperation', 'retryable'],
    ['FailedOperation.ProcessTimeout', 'retryable'],
    ['ResourceUnavailable.AccessFailed', 'retryable'],
    ['ServiceUnavailable', 'retryable'],
    ['Timeout', 'retryable'],
    ['NetworkError', 'retryable'],
    ['InvalidResponse', 'retryable'],
    ['HttpError', 'retryable'],
    ['AuthFailure.SignatureFailure', 'auth'],
    ['AuthFailure.SignatureExpire', 'auth'],
    ['AuthFailure.SecretIdNotFound', 'auth'],
    ['AuthFailure.InvalidSecretId', 'auth'],
    ['AuthFailure.TokenFailure', 'auth'],
    ['AuthFailure.SomethingNew', 'auth'],
    ['CredentialsUnavailable', 'auth'],
    ['InvalidParameter', 'terminal'],
    ['InvalidParameter.JsonParseError', 'terminal'],
    ['InvalidParameterValue', 'terminal'],
    ['InvalidParameterValue.Anything', 'terminal'],
    ['MissingParameter', 'terminal'],
    ['UnauthorizedOperation', 'terminal'],
    ['UnsupportedOperation', 'terminal'],
    ['UnknownParameter', 'terminal'],
    ['InvalidAction', 'terminal'],
    ['NoSuchVersion', 'terminal'],
    ['ResourceNotFound.SessionNotFound', 'gone'],
    ['UnsupportedOperation.Stopping', 'gone'],
    ['FailedOperation.SlowDown', 'busy'],
    ['ResourceUnavailable.Initialization', 'retryable'],
    ['ResourceNotFound.NoIdle', 'terminal'],
  ] as const)('%s is %s', (code, expected) => {
    expect(classifyCarError(code)).toEqual({ class: expected, unknown: false });
  });

  it.each(['BrandNewCode', 'Whatever.Sub', ''])(
    'unknown code %j is retryable and marked unknown',
    (code) => {
      expect(classifyCarError(code)).toEqual({ class: 'retryable', unknown: true });
    },
  );
});

describe('Function: classifyHttpStatus', () => {
  it.each([
    [429, 'throttled', false],
    [500, 'retryable', false],
    [503, 'retryable', false],
    [599, 'retryable', false],
    [404, 'retryable', true],
    [302, 'retryable', true],
  ] as const)('HTTP %i is %s (unknown: %s)', (status, expected, unknown) => {
    expect(classifyHttpStatus(status)).toEqual({ class: expected, unknown });
  });
});

describe('Function: explainCarError', () => {
  it('says a SignatureExpire means the clock is skewed', () => {
    expect(explainCarError('AuthFailure.SignatureExpire')).toMatch(/clock is skewed/);
  });

  it('adds nothing for codes whose message is enough', () => {
    expect(explainCarError('InternalError')).toBeUndefined();
  });
});
