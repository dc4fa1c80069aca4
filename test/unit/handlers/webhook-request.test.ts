import { describe, expect, it } from 'vitest';
import { StoreError, ValidationError } from '../../../src/errors.js';
import type { WebhookDeps, WebhookRefusal } from '../../../src/handlers/deps.js';
import { handleWebhookRequest } from '../../../src/handlers/webhook-request.js';
import { silentLogger } from '../../../src/logger.js';
import { MemoryDeliveryLog } from '../../../src/webhook/delivery-log.js';
import { signWebhook } from '../../../src/webhook/signature.js';
import { FakeReaper, FakeWebhookStore, testWebhookSecret } from '../../helpers/webhook-fakes.js';

const secret = testWebhookSecret('handlers');
const now = 1_750_000_000_000;

const type = (path: string) =>
  path === '/disconnect' ? 'session.disconnected' : 'session.heartbeat';

const setup = (overrides: Partial<WebhookDeps['config']> = {}) => {
  const store = new FakeWebhookStore();
  const reaper = new FakeReaper({ destroyed: 1, claimed: 1, candidates: 1 });
  const deliveries = new MemoryDeliveryLog();
  const refusals: WebhookRefusal[] = [];
  let clock = now;
  const deps: WebhookDeps = {
    store,
    deliveries,
    reaper,
    config: { webhookSecret: secret, disconnectGraceSeconds: 90, ...overrides },
    clock: () => clock,
    logger: silentLogger,
    deadline: () => now + 5000,
    onRefused: (refusal) => refusals.push(refusal),
  };
  /** Signs and sends `payload` (its `type` added unless it has one) as a new delivery. */
  const post = (path: string, payload: Record<string, unknown>, timestampSeconds = now / 1000) => {
    const body = JSON.stringify({ type: type(path), ...payload });
    const headers = signWebhook(secret, body, { timestampSeconds });
    return handleWebhookRequest(path, headers, body, deps);
  };
  const advance = (ms: number) => {
    clock += ms;
  };
  return { store, reaper, deps, deliveries, refusals, post, advance };
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
    const body = '{"type":"session.heartbeat","userId":"u-1"}';
    const result = await handleWebhookRequest(
      '/heartbeat',
      signWebhook(testWebhookSecret('bad'), body, { timestampSeconds: now / 1000 }),
      body,
      deps,
    );
    expect(result.status).toBe(401);
    expect(store.calls).toEqual([]);
  });

  it("refuses a body whose type is not the endpoint's, naming both", async () => {
    const { post, store, refusals } = setup();
    const heartbeatAtDisconnect = await post('/disconnect', {
      type: 'session.heartbeat',
      userId: 'u-1',
    });
    expect(heartbeatAtDisconnect).toEqual({
      status: 400,
      body: {
        error: 'type: must be "session.disconnected" for POST /disconnect, got "session.heartbeat"',
      },
    });
    const untyped = await post('/heartbeat', { type: undefined, userId: 'u-1' });
    expect(untyped.body).toEqual({
      error: 'type: must be "session.heartbeat" for POST /heartbeat, got none',
    });
    expect(store.calls).toEqual([]);
    expect(refusals.map((r) => [r.route, r.reason, r.status])).toEqual([
      ['/disconnect', 'wrong-type', 400],
      ['/heartbeat', 'wrong-type', 400],
    ]);
  });

  it('acts on a delivery once: a repeat gets the first answer and changes nothing', async () => {
    const { deps, store, advance } = setup();
    const body = JSON.stringify({ type: 'session.heartbeat', userIds: ['a', 'b'] });
    const headers = signWebhook(secret, body, { timestampSeconds: now / 1000 });
    const first = await handleWebhookRequest('/heartbeat', headers, body, deps);
    advance(60_000);
    const repeat = await handleWebhookRequest('/heartbeat', headers, body, deps);
    expect(first).toEqual({ status: 202, body: { accepted: true, recorded: 2 } });
    expect(repeat).toEqual(first);
    expect(store.calls).toEqual([`activity a,b @${now}`]);
  });

  it('lets the sender retry a delivery that failed on our side (5xx)', async () => {
    const { deps, store } = setup();
    const body = JSON.stringify({ type: 'session.heartbeat', userId: 'a' });
    const headers = signWebhook(secret, body, { timestampSeconds: now / 1000 });
    store.failWith = new StoreError('throttled', { retryable: true });
    expect((await handleWebhookRequest('/heartbeat', headers, body, deps)).status).toBe(503);
    store.failWith = undefined;
    expect((await handleWebhookRequest('/heartbeat', headers, body, deps)).status).toBe(202);
    expect(store.sessions.get('a')?.state).toBe('active');
  });

  it('answers 409 to a repeat while the first is still being handled', async () => {
    const { deps, deliveries } = setup();
    const body = JSON.stringify({ type: 'session.heartbeat', userId: 'a' });
    const headers = signWebhook(secret, body, { id: 'msg_busy', timestampSeconds: now / 1000 });
    await deliveries.begin('msg_busy', now);
    const answer = await handleWebhookRequest('/heartbeat', headers, body, deps);
    expect(answer.status).toBe(409);
  });

  it('tells every refusal with its reason', async () => {
    const { deps, refusals } = setup();
    await handleWebhookRequest('/heartbeat', {}, '{}', deps);
    await handleWebhookRequest('/heartbeat', {}, 'x'.repeat(20_000), deps);
    expect(refusals.map((r) => `${r.reason} ${r.status}`)).toEqual([
      'missing-headers 401',
      'too-large 413',
    ]);
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
      error: 'userIds: is required (a list of user ids)',
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

  it('defaults at to the signed time and answers 400 for a bad at', async () => {
    const { post, store } = setup();
    await post('/disconnect', { userId: 'u-1' }, now / 1000 - 20);
    expect(store.calls).toEqual([`disconnect u-1 @${now - 20_000}`]);
    expect((await post('/disconnect', { userId: 'u-1', at: 'soon' })).body).toEqual({
      error: 'at: must be an integer, got a string',
    });
  });

  it('never records a disconnect later than now, whatever at or the signed time says', async () => {
    const { post, store } = setup();
    await post('/disconnect', { userId: 'u-1', at: now + 3_600_000 });
    await post('/disconnect', { userId: 'u-2' }, now / 1000 + 200);
    expect(store.calls).toEqual([`disconnect u-1 @${now}`, `disconnect u-2 @${now}`]);
  });

  it('with grace 0 destroys at once through the engine, as the webhook trigger', async () => {
    const { post, reaper } = setup({ disconnectGraceSeconds: 0 });
    const result = await post('/disconnect', { userId: 'u-1' });
    expect(result.body).toEqual({ accepted: true, userId: 'u-1', action: 'destroyed' });
    expect(reaper.runs).toEqual([
      { trigger: 'webhook', userIds: ['u-1'], onlyDisconnected: true, deadline: now + 5000 },
    ]);
  });

  it('with grace 0 answers still-active when the engine found the user back (no claim, or a return before the send)', async () => {
    const { post, reaper } = setup({ disconnectGraceSeconds: 0 });
    reaper.answerWith({ claimed: 0, skipped: 1, destroyed: 0 });
    const replay = await post('/disconnect', { userId: 'u-1', at: now - 60_000 });
    expect(replay.body).toEqual({ accepted: true, userId: 'u-1', action: 'still-active' });
    reaper.answerWith({ claimed: 1, skipped: 1, returned: 1, destroyed: 0 });
    const raced = await post('/disconnect', { userId: 'u-1', at: now - 30_000 });
    expect(raced.body).toEqual({ accepted: true, userId: 'u-1', action: 'still-active' });
  });

  it('with grace 0 answers destroy-pending when the run stopped before its slot (nothing claimed or refused)', async () => {
    const { post, reaper } = setup({ disconnectGraceSeconds: 0 });
    reaper.answerWith({ claimed: 0, skipped: 0, destroyed: 0, stoppedAt: 'deadline' });
    const result = await post('/disconnect', { userId: 'u-1' });
    expect(result.body).toEqual({ accepted: true, userId: 'u-1', action: 'destroy-pending' });
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
