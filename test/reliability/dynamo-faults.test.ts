import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { jsonLogger } from '../../src/logger.js';
import { shardOf } from '../../src/sessions/shard.js';
import { type DynamoFaultProxy, startDynamoFaultProxy } from '../helpers/dynamo-fault-proxy.js';
import {
  destroyCallsPerUser,
  ids,
  maxOf,
  type ReliabilityStack,
  reportFigures,
  startReliabilityStack,
} from './support/stack.js';

// DynamoDB Local behind a proxy that answers like DynamoDB under throttling
// and outages (400 ThrottlingException / ProvisionedThroughputExceededException,
// 500, 503). The reaper talks to the proxy through the real SDK, built from
// config (DYNAMODB_ENDPOINT), as in production.
const LEASE_MS = 2000;
let stack: ReliabilityStack;
let proxy: DynamoFaultProxy;

beforeAll(async () => {
  stack = await startReliabilityStack({ rate: 1000 });
  proxy = await startDynamoFaultProxy(stack.table.endpoint);
});

afterAll(async () => {
  await proxy?.close();
  await stack?.stop();
});

const throughProxy = (offsetMs = 0, logs?: string[]) =>
  stack.runtime(
    {
      clock: () => Date.now() + offsetMs,
      reaper: { leaseMs: LEASE_MS },
      ...(logs ? { logger: jsonLogger({ level: 'debug', write: (line) => logs.push(line) }) } : {}),
    },
    { DYNAMODB_ENDPOINT: proxy.endpoint, CAR_QUOTA_RPS: '500' },
  );

/** A scheduled run through the proxy while the first `count` `operation` requests that `match` get a 500. */
async function reapFailingFirst(
  count: number,
  operation: string,
  match: (body: string) => boolean,
) {
  proxy.resetStats();
  let failures = 0;
  proxy.configure({
    rate: 1,
    when: 'before',
    kinds: ['internal'],
    operations: [operation],
    match: (body) => match(body) && failures++ < count,
  });
  try {
    return await throughProxy().reaper.reap({ trigger: 'schedule' });
  } finally {
    proxy.configure({
      rate: 0,
      operations: undefined,
      match: undefined,
      kinds: ['throttling', 'provisioned', 'internal', 'unavailable'],
    });
  }
}

describe('Reliability: DynamoDB throttling and 5xx', () => {
  it('retries transient faults on every call (10%, before and after the write lands): nothing lost', async () => {
    const stale = ids('transient', 200);
    await stack.seed(stale, Date.now() - 10 * 60_000);
    proxy.resetStats();
    // Half the run: faults before DynamoDB sees the request; then faults
    // that replace the answer of a write that did land.
    proxy.configure({ rate: 0.1, when: 'before', operations: undefined, match: undefined });
    const first = await throughProxy().reaper.reap({ trigger: 'schedule', limit: 100 });
    const before = proxy.stats();
    proxy.configure({ when: 'after' });
    const second = await throughProxy().reaper.reap({ trigger: 'schedule' });
    const after = proxy.stats();
    // A claim whose answer was lost looks lost to its run; the lease brings it back.
    proxy.configure({ rate: 0 });
    const third = await throughProxy(LEASE_MS + 1000).reaper.reap({ trigger: 'schedule' });

    expect(before.injected).toBeGreaterThan(0);
    expect(after.injected).toBeGreaterThan(before.injected);
    const counts = await stack.table.store.counts();
    expect(counts).toMatchObject({ destroyed: 200, reaping: 0, failed: 0 });
    const perUser = destroyCallsPerUser(stack.emulator.calls());
    for (const userId of stale) expect(perUser.get(userId) ?? 0, userId).toBeGreaterThanOrEqual(1);
    expect(maxOf(stale.map((u) => perUser.get(u) ?? 0))).toBeLessThanOrEqual(2);
    reportFigures('dynamo-transient', {
      sessions: 200,
      faultRate: 0.1,
      requests: after.requests,
      injected: after.injected,
      injectedByKind: after.byKind,
      destroyedPerRun: [first.destroyed, second.destroyed, third.destroyed],
      skippedPerRun: [first.skipped, second.skipped, third.skipped],
      unrecordedPerRun: [first.unrecorded, second.unrecorded, third.unrecorded],
      maxCallsPerSession: maxOf(stale.map((u) => perUser.get(u) ?? 0)),
      durationMsPerRun: [first.durationMs, second.durationMs, third.durationMs],
    });
  });

  it('reads a page again when DynamoDB fails it past the SDK attempts, and the run goes on', async () => {
    const stale = ids('page-retry', 40);
    expect(stale.some((userId) => shardOf(userId) === 3)).toBe(true);
    await stack.seed(stale, Date.now() - 10 * 60_000);
    // The first 5 reads of one partition fail: all 4 attempts of the SDK, then one more.
    const summary = await reapFailingFirst(5, 'Query', (body) => body.includes('"A#3"'));

    expect(proxy.stats().injected).toBe(5);
    expect(summary.destroyed).toBe(40);
    for (const userId of stale) {
      expect((await stack.table.store.get(userId))?.state).toBe('destroyed');
    }
  });

  it('makes a claim again when DynamoDB fails it past the SDK attempts, and the run goes on', async () => {
    const stale = ids('claim-retry', 20);
    await stack.seed(stale, Date.now() - 10 * 60_000);
    // The first 5 claims of one session fail: all 4 attempts of the SDK, then one more.
    const summary = await reapFailingFirst(
      5,
      'UpdateItem',
      (body) => body.includes('"claim-retry-7"') && body.includes('SET #state = :reaping'),
    );

    expect(proxy.stats().injected).toBe(5);
    expect(summary.destroyed).toBe(20);
    expect((await stack.table.store.get('claim-retry-7'))?.state).toBe('destroyed');
  });

  it('fails a run with a StoreError naming the endpoint when every call is refused', async () => {
    await stack.seed(ids('outage', 5), Date.now() - 10 * 60_000);
    proxy.configure({ rate: 1, when: 'before', kinds: ['unavailable'], operations: undefined });
    const started = Date.now();
    const error = await throughProxy()
      .reaper.reap({ trigger: 'schedule' })
      .catch((e: unknown) => e);
    const elapsedMs = Date.now() - started;
    proxy.configure({ rate: 0, kinds: ['throttling', 'provisioned', 'internal', 'unavailable'] });

    expect(error).toBeInstanceOf(StoreError);
    const storeError = error as StoreError;
    expect(storeError.message).toContain(proxy.endpoint);
    expect(storeError.message).toMatch(/ServiceUnavailable/);
    expect(storeError.retryable).toBe(true);
    // Nothing was claimed: the sessions wait, untouched, for the next run.
    expect((await stack.table.store.counts()).active).toBe(5);
    reportFigures('dynamo-outage', { message: storeError.message, elapsedMs });
    // The next run, with DynamoDB back, ends them.
    const summary = await throughProxy().reaper.reap({ trigger: 'schedule' });
    expect(summary.destroyed).toBe(5);
  });

  it('reports outcomes it could not write, and a later run picks the sessions up', async () => {
    const stale = ids('unrecorded', 30);
    await stack.seed(stale, Date.now() - 10 * 60_000);
    // Every write of a `destroyed` outcome is throttled, whatever the retries.
    proxy.configure({
      rate: 1,
      when: 'before',
      kinds: ['throttling', 'provisioned'],
      operations: ['UpdateItem'],
      match: (body) => body.includes(':destroyed'),
    });
    const logs: string[] = [];
    const summary = await throughProxy(0, logs).reaper.reap({ trigger: 'schedule' });
    proxy.configure({ rate: 0, operations: undefined, match: undefined });

    expect(summary.destroyed).toBe(30);
    expect(summary.unrecorded).toBe(30);
    const errors = logs.map((line) => JSON.parse(line)).filter((l) => l.level === 'ERROR');
    const unrecorded = errors.filter((l) => l.message === 'outcome not recorded');
    expect(unrecorded).toHaveLength(30);
    for (const line of unrecorded) {
      expect(line.error).toMatch(
        /^StoreError: DynamoDB UpdateItem \(outcome destroyed\) failed at /,
      );
      expect(line.error).toContain(proxy.endpoint);
      expect(line.outcome).toMatchObject({ kind: 'destroyed', requestId: expect.any(String) });
    }
    // The claims stay, bounded by their lease; no session is lost.
    expect((await stack.table.store.counts()).reaping).toBe(30);

    const later = await throughProxy(LEASE_MS + 1000).reaper.reap({ trigger: 'schedule' });
    expect(later.destroyed).toBe(30);
    for (const userId of stale) {
      expect((await stack.table.store.get(userId))?.state).toBe('destroyed');
    }
    const perUser = destroyCallsPerUser(stack.emulator.calls());
    for (const userId of stale) expect(perUser.get(userId)).toBe(2);
    reportFigures('dynamo-unrecorded', {
      sessions: 30,
      unrecorded: summary.unrecorded,
      runDurationMs: summary.durationMs,
      laterRunDestroyed: later.destroyed,
      callsPerSession: 2,
    });
  });
});
