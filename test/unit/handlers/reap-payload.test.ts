import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors.js';
import { parseReapPayload } from '../../../src/handlers/reap-payload.js';
import { isScheduledEvent } from '../../../src/handlers/schedule-event.js';

const refusal = (input: unknown): ValidationError => {
  try {
    parseReapPayload(input);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('Function: parseReapPayload', () => {
  it('treats no payload as a normal run', () => {
    expect(parseReapPayload(undefined)).toEqual({});
    expect(parseReapPayload(null)).toEqual({});
    expect(parseReapPayload({})).toEqual({});
  });

  it('turns seconds into the engine milliseconds', () => {
    expect(
      parseReapPayload({
        dryRun: true,
        idleTimeoutSeconds: 60,
        maxAgeSeconds: 0,
        limit: 5,
        userIds: ['a', 'b', 'a'],
      }),
    ).toEqual({ dryRun: true, idleTimeoutMs: 60_000, maxAgeMs: 0, limit: 5, userIds: ['a', 'b'] });
  });

  it('refuses an unknown key, listing the allowed ones', () => {
    const error = refusal({ dryrun: true });
    expect(error.field).toBe('dryrun');
    expect(error.message).toBe(
      'dryrun: unknown key; allowed keys are dryRun, idleTimeoutSeconds, maxAgeSeconds, limit, userIds',
    );
  });

  it.each([
    [{ dryRun: 'yes' }, 'dryRun', /must be true or false, got a string/],
    [{ idleTimeoutSeconds: 0 }, 'idleTimeoutSeconds', /must be >= 1/],
    [{ idleTimeoutSeconds: 1.5 }, 'idleTimeoutSeconds', /must be an integer/],
    [{ maxAgeSeconds: -1 }, 'maxAgeSeconds', /must be >= 0/],
    [{ limit: '10' }, 'limit', /must be an integer, got a string/],
    [{ userIds: 'u-1' }, 'userIds', /must be an array of strings/],
    [{ userIds: [] }, 'userIds', /must not be empty/],
    [{ userIds: ['ok', 7] }, 'userIds[1]', /must be a string, got a number/],
    [{ userIds: [' '] }, 'userIds[0]', /must not be empty/],
  ])('refuses %j naming %s', (input, field, message) => {
    const error = refusal(input);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses a payload that is not an object', () => {
    expect(refusal('dryRun').field).toBe('payload');
    expect(refusal([1]).field).toBe('payload');
  });
});

describe('Function: isScheduledEvent', () => {
  it('recognises the EventBridge scheduled event', () => {
    expect(
      isScheduledEvent({
        version: '0',
        id: 'e0d0c1b8-0000-0000-0000-000000000000',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        time: '2026-11-25T12:00:00Z',
        resources: ['arn:aws:events:us-east-1:123456789012:rule/reap'],
        detail: {},
      }),
    ).toBe(true);
  });

  it('does not mistake a manual payload or another event for it', () => {
    expect(isScheduledEvent({ dryRun: true })).toBe(false);
    expect(isScheduledEvent({ source: 'aws.events', 'detail-type': 'Other' })).toBe(false);
    expect(isScheduledEvent(null)).toBe(false);
  });
});
