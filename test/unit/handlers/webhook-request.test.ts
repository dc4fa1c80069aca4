import { describe, expect, it } from 'vitest';
import { StoreError, ValidationError } from '../../../src/errors.js';
import type { WebhookDeps } from '../../../src/handlers/deps.js';
import { handleWebhookRequest } from '../../../src/handlers/webhook-request.js';
import { silentLogger } from '../../../src/logger.js';
import { signWebhook } from '../../../src/webhook/signature.js';
import { FakeReaper, FakeWebhookStore } from '../../helpers/webhook-fakes.js';

const secret = 'shh';
const now = 1_750_000_000_000;

const setup = (overrides: Partial<WebhookDeps['config']> = {}) => {
  const store = new FakeWebhookStore();
  const reaper = new FakeReaper({ destroyed: 1, claimed: 1, candidates: 1 });
  const deps: WebhookDeps = {
    store,
    reaper,
    config: { webhookSecret: secret, disconnectGraceSeconds: 90, ...overrides },
    clock: () => now,
    logger: silentLogger,
    deadline: () => now + 5000,
  };
  const post = (path: string, payload: unknown) => {
    const body = JSON.stringify(payload);
    return handleWebhookRequest(path, signWebhook(secret, body, now / 1000), body, deps);
  };
  return { store, reaper, deps, post };
};

describe('Function: handleWebhookRequest', () => {
  it('answers 404 for an unknown path and 405 for another method', async () => {
    const { deps } = setup();
    expect((await handleWebhookRequest('/nope', {}, '', deps)).status).toBe(404);
    const get = await handleWebhookRequest('/heartbeat', {}, '', deps, 'GET');
    expect(get).toEqual({
      status: 405,
      body: { error: 'method not allowed; use POST', allow: 'POST' },
    });
  });

  it('checks the signature before touching the store', async () => {
    const { deps, store } = setup();
    const body = '{"userId":"u-1"}';
    const result = await handleWebhookRequest(
      '/heartbeat',
      signWebhook('bad', body, now / 1000),
      body,
      deps,
    );
    expect(result.status).toBe(401);
    expect(store.calls).toEqual([]);
  });

  it('refuses everything with 503 when no secret is configured', async () => {
    const { post, store } = setup({ webhookSecret: undefined });
    expect((await post('/disconnect', { userId: 'u-1' })).status).toBe(503);
    expect(store.calls).toEqual([]);
  });
});

describe('Handler: heartbeat', () => {
  it('records activity now for one id, ignoring unknown fields', async () => {
    const { post, store } = setup();
    const result = await post('/heartbeat', { userId: 'u-1', room: 'lobby' });
    expect(result).toEqual({ status: 202, body: { accepted: true, recorded: 1 } });
    expect(store.sessions.get('u-1')?.lastActiveAt).toBe(now);
  });

  it('records a batch in one call, duplicates dropped', async () => {
    const { post, store } = setup();
    const result = await post('/heartbeat', { userIds: ['a', 'b', 'a'] });
    expect(result.body).toEqual({ accepted: true, recorded: 2 });
    expect(store.calls).toEqual([`activity a,b @${now}`]);
  });

  it('answers 400 naming the field for a bad batch', async () => {
    const { post } = setup();
    const tooMany = Array.from({ length: 1001 }, (_, i) => `u${i}`);
    expect(await post('/heartbeat', { userIds: tooMany })).toEqual({
      status: 400,
      body: { error: 'userIds: must hold at most 1000 ids, got 1001' },
    });
    expect((await post('/heartbeat', {})).body).toEqual({
      error: 'userId: is required (or userIds, a list)',
    });
  });

  it('turns a ValidationError from the store into 400', async () => {
    const { post, store } = setup();
    store.failWith = new ValidationError('userId', 'contains a control character');
    expect(await post('/heartbeat', { userId: 'u' })).toEqual({
      status: 400,
      body: { error: 'userId: contains a control character' },
    });
  });

  it('answers 503 for a retryable store outage and 500 otherwise, without details', async () => {
    const { post, store } = setup();
    store.failWith = new StoreError('throttled by DynamoDB at table arn', { retryable: true });
    expect((await post('/heartbeat', { userId: 'u' })).status).toBe(503);
    store.failWith = new Error('boom at 10.0.0.1');
    expect(await post('/heartbeat', { userId: 'u' })).toEqual({
      status: 500,
      body: { error: 'heartbeat failed' },
    });
  });
});

describe('Handler: disconnect', () => {
  it('records the disconnect for the schedule when there is a grace period', async () => {
    const { post, store, reaper } = setup();
    const result = await post('/disconnect', { userId: 'u-1', at: now - 1000 });
    expect(result).toEqual({
      status: 202,
      body: { accepted: true, userId: 'u-1', action: 'recorded' },
    });
    expect(store.sessions.get('u-1')).toMatchObject({
      state: 'disconnected',
      disconnectedAt: now - 1000,
    });
    expect(reaper.runs).toEqual([]);
  });

  it('defaults at to now and answers 400 for a bad at', async () => {
    const { post, store } = setup();
    await post('/disconnect', { userId: 'u-1' });
    expect(store.calls).toEqual([`disconnect u-1 @${now}`]);
    expect((await post('/disconnect', { userId: 'u-1', at: 'soon' })).body).toEqual({
      error: 'at: must be an integer, got a string',
    });
    expect((await post('/disconnect', { userId: 'u-1', at: now + 301_000 })).status).toBe(400);
  });

  it('with grace 0 destroys at once through the engine, as the webhook trigger', async () => {
    const { post, reaper } = setup({ disconnectGraceSeconds: 0 });
    const result = await post('/disconnect', { userId: 'u-1' });
    expect(result.body).toEqual({ accepted: true, userId: 'u-1', action: 'destroyed' });
    expect(reaper.runs).toEqual([{ trigger: 'webhook', userIds: ['u-1'], deadline: now + 5000 }]);
  });

  it('with grace 0 never destroys a user active since the disconnect (replayed delivery)', async () => {
    const { post, store, reaper } = setup({ disconnectGraceSeconds: 0 });
    await store.recordActivity(['u-1'], now);
    const replay = await post('/disconnect', { userId: 'u-1', at: now - 60_000 });
    expect(replay.body).toEqual({ accepted: true, userId: 'u-1', action: 'still-active' });
    expect(reaper.runs).toEqual([]);
  });

  it('with grace 0 leaves a failed immediate destroy to the schedule, still accepted', async () => {
    const { post, reaper } = setup({ disconnectGraceSeconds: 0 });
    reaper.failWith = new Error('CAR unreachable');
    const result = await post('/disconnect', { userId: 'u-1' });
    expect(result).toEqual({
      status: 202,
      body: { accepted: true, userId: 'u-1', action: 'destroy-pending' },
    });
  });
});
