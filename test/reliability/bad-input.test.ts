import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebhooks } from '../../src/cli/commands/serve.js';
import { ValidationError } from '../../src/errors.js';
import type { WebhookDeps } from '../../src/handlers/deps.js';
import { handleReapInvocation } from '../../src/handlers/reap.js';
import { handleWebhookRequest } from '../../src/handlers/webhook-request.js';
import type { WebhookServer } from '../../src/local/webhook-server.js';
import { type Logger, silentLogger } from '../../src/logger.js';
import { WEBHOOK_TYPES } from '../../src/webhook/payloads.js';
import { signWebhook } from '../../src/webhook/signature.js';
import { MAX_WEBHOOK_BODY_BYTES } from '../../src/webhook/signed-request.js';
import { createTestTable, type TestTable } from '../helpers/dynamo.js';
import { testWebhookSecret } from '../helpers/webhook-fakes.js';
import { type ReliabilityStack, reportFigures, startReliabilityStack } from './support/stack.js';

// Property-based tests over what callers can send: webhook bodies and headers
// (through the transport-free handler the Lambda functions and `serve` share,
// and over HTTP against the `serve` server) and manual reap payloads. The
// store is DynamoDB Local, so odd user ids go all the way to a real write.
const SECRET = testWebhookSecret('bad-input');
const ALLOWED = new Set([202, 400, 401, 413]);
const PATHS = ['/disconnect', '/heartbeat'] as const;

let stack: ReliabilityStack;
let reapTable: TestTable;
let server: WebhookServer;
let deps: WebhookDeps;
const errors: unknown[] = [];
/** Logs errors (a 5xx would be logged): the properties also check none was. */
const recordingLogger: Logger = {
  ...silentLogger,
  error: (message, fields) => errors.push({ message, fields }),
};
const statuses = new Map<number, number>();
const seen = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

beforeAll(async () => {
  stack = await startReliabilityStack();
  reapTable = await createTestTable();
  const runtime = stack.runtime({ logger: recordingLogger }, { DISCONNECT_GRACE_SECONDS: '0' });
  deps = {
    store: runtime.store,
    deliveries: runtime.deliveries,
    reaper: runtime.reaper,
    config: { webhookSecret: SECRET, disconnectGraceSeconds: 90 },
    clock: Date.now,
    logger: recordingLogger,
  };
  server = await serveWebhooks(deps, 0);
});

afterAll(async () => {
  await server?.close();
  await reapTable?.drop();
  await stack?.stop();
});

/** User ids as an attacker or a buggy client sends them. */
const userIdLike = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\ud800',
    'a\udfffb',
    '\u0000',
    'x'.repeat(257),
    ' ',
    '__car-reaper#budget',
    '😀'.repeat(100),
  ),
  fc.anything(),
);

/** Payloads the endpoints accept. */
const wellFormed = fc.oneof(
  fc.record({ userId: fc.stringMatching(/^[a-z0-9-]{1,24}$/) }),
  fc.record({
    userIds: fc.array(fc.stringMatching(/^[a-z0-9-]{1,24}$/), { minLength: 1, maxLength: 50 }),
  }),
);

/** JSON bodies shaped like the endpoints' payloads, with every field possibly wrong. */
const payloadLike = fc.oneof(
  wellFormed,
  wellFormed,
  fc.record(
    { userId: userIdLike, at: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)) },
    { requiredKeys: [] },
  ),
  fc.record(
    { userIds: fc.oneof(fc.array(userIdLike, { maxLength: 30 }), fc.anything()) },
    { requiredKeys: [] },
  ),
  fc.record({ userId: userIdLike, userIds: fc.array(userIdLike) }),
  fc.dictionary(fc.string(), fc.anything()),
  fc.anything(),
);

/** A body's `type`: mostly the endpoint's own, else the other one, junk or none. */
const typeFor = (path: (typeof PATHS)[number]) =>
  fc.oneof(
    { arbitrary: fc.constant(WEBHOOK_TYPES[path]), weight: 4 },
    fc.constantFrom(...Object.values(WEBHOOK_TYPES)),
    fc.anything(),
    fc.constant(undefined),
  );

/** Raw bodies: JSON of the above, arbitrary text and bytes, huge arrays, oversized blobs. */
const bodyFor = (path: (typeof PATHS)[number]) =>
  fc.oneof(
    {
      arbitrary: fc
        .tuple(payloadLike, typeFor(path))
        .map(([payload, type]) =>
          payload !== null && typeof payload === 'object' && !Array.isArray(payload)
            ? JSON.stringify({ type, ...payload })
            : (JSON.stringify(payload) ?? 'undefined'),
        ),
      weight: 4,
    },
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    fc
      .integer({ min: 1000, max: 3000 })
      .map((n) => JSON.stringify({ type: WEBHOOK_TYPES[path], userIds: Array(n).fill('u') })),
    fc
      .integer({ min: MAX_WEBHOOK_BODY_BYTES - 50, max: MAX_WEBHOOK_BODY_BYTES + 50 })
      .map((n) =>
        JSON.stringify({ type: WEBHOOK_TYPES[path], userId: 'x'.repeat(Math.max(0, n - 44)) }),
      ),
  );

/**
 * Headers: a good signature (a new delivery id each), one with a secret among
 * others, stale or future timestamps, another secret, junk, or none.
 */
const nowSeconds = () => Math.floor(Date.now() / 1000);
const signed = (body: string, secret = SECRET, timestampSeconds?: number) =>
  signWebhook(secret, body, { timestampSeconds }) as Record<string, string>;
const headersFor = (body: string) =>
  fc.oneof(
    { arbitrary: fc.constant(null).map(() => signed(body)), weight: 5 },
    fc.constant(null).map(() => signed(body, `${testWebhookSecret('next')} ${SECRET}`)),
    fc
      .integer({ min: 301, max: 10_000_000 })
      .chain((off) =>
        fc.constantFrom(
          signed(body, SECRET, nowSeconds() - off),
          signed(body, SECRET, nowSeconds() + off),
        ),
      ),
    fc.constant(null).map(() => signed(body, testWebhookSecret('another'))),
    fc.record(
      {
        'webhook-id': fc.oneof(fc.string(), fc.uuid()),
        'webhook-timestamp': fc.oneof(fc.string(), fc.constant(String(nowSeconds()))),
        'webhook-signature': fc.oneof(
          fc.string(),
          fc.stringMatching(/^v1,[A-Za-z0-9+/]{0,50}={0,2}$/),
          fc.constant(`v1,${Buffer.alloc(32).toString('base64')}`),
        ),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.string()),
  );

const request = fc
  .constantFrom(...PATHS)
  .chain((path) => bodyFor(path).map((body) => ({ path, body })))
  .chain(({ path, body }) => headersFor(body).map((headers) => ({ path, body, headers })));

describe('Reliability: bad input to the webhooks', () => {
  it('answers only 202, 400, 401 or 413 from the shared handler, whatever arrives', async () => {
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, headers }) => {
        const answer = await handleWebhookRequest(path, headers, body, deps);
        seen(answer.status);
        expect(ALLOWED.has(answer.status), `${answer.status} ${JSON.stringify(answer.body)}`).toBe(
          true,
        );
        if (Buffer.byteLength(body) > MAX_WEBHOOK_BODY_BYTES) expect(answer.status).toBe(413);
        if (answer.status === 400) expect(String(answer.body.error)).toMatch(/^\S+: |body must be/);
      }),
      { numRuns: 300 },
    );
    expect(errors).toEqual([]);
    expect(statuses.get(202)).toBeGreaterThan(0);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(401)).toBeGreaterThan(0);
    expect(statuses.get(413)).toBeGreaterThan(0);
  });

  it('answers the same over HTTP from the server `car-reaper serve` runs', async () => {
    const httpStatuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, headers }) => {
        const safeHeaders = Object.fromEntries(
          Object.entries(headers).filter(
            ([name, value]) =>
              /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && /^[\t\x20-\x7e]*$/.test(value),
          ),
        );
        const response = await fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...safeHeaders },
          body,
        });
        const text = await response.text();
        httpStatuses.set(response.status, (httpStatuses.get(response.status) ?? 0) + 1);
        expect(ALLOWED.has(response.status), `${response.status} ${text}`).toBe(true);
        expect(() => JSON.parse(text)).not.toThrow();
      }),
      { numRuns: 120 },
    );
    expect(errors).toEqual([]);
    reportFigures('bad-input', {
      handlerRuns: 300,
      handlerStatuses: Object.fromEntries(statuses),
      httpRuns: 120,
      httpStatuses: Object.fromEntries(httpStatuses),
    });
  });

  it('refuses replays outside the 300 s window and answers replays inside it as the first', async () => {
    const body = JSON.stringify({ type: 'session.heartbeat', userId: 'replayed' });
    const headers = signed(body);
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(await handleWebhookRequest('/heartbeat', headers, body, deps));
    }
    expect(answers).toEqual(Array(3).fill({ status: 202, body: { accepted: true, recorded: 1 } }));
    const once = await stack.table.store.get('replayed');
    expect(once).toMatchObject({ state: 'active' });
    const later = { ...deps, clock: () => Date.now() + 301_000 };
    const replay = await handleWebhookRequest('/heartbeat', headers, body, later);
    expect(replay).toMatchObject({ status: 401 });
    expect(String(replay.body.error)).toContain('300 s');
    // The refused replay changed nothing.
    expect(await stack.table.store.get('replayed')).toEqual(once);
  });

  it('refuses every request while no secret is configured, without reading it', async () => {
    const open = { ...deps, config: { ...deps.config, webhookSecret: undefined } };
    let disabled = 0;
    await fc.assert(
      fc.asyncProperty(request, async ({ path, body, headers }) => {
        const answer = await handleWebhookRequest(path, headers, body, open);
        // Malformed, unsigned or stale requests are refused before the secret is needed.
        expect([401, 413, 503]).toContain(answer.status);
        if (answer.status === 503) {
          expect(answer.body.error).toMatch(/WEBHOOK_SECRET is not set/);
          disabled++;
        }
      }),
      { numRuns: 100 },
    );
    expect(disabled).toBeGreaterThan(0);
    const emptySecret = { ...deps, config: { ...deps.config, webhookSecret: '' } };
    const body = JSON.stringify({ type: 'session.heartbeat', userId: 'nobody' });
    expect((await handleWebhookRequest('/heartbeat', signed(body), body, emptySecret)).status).toBe(
      503,
    );
    expect(await stack.table.store.get('nobody')).toBeUndefined();
  });
});

describe('Reliability: bad manual reap payloads', () => {
  it('either runs or throws a ValidationError naming the field, nothing else', async () => {
    const runtime = stack.runtime(
      { store: reapTable.store, logger: recordingLogger },
      { SESSIONS_TABLE: reapTable.tableName },
    );
    const reapDeps = { reaper: runtime.reaper, clock: Date.now, logger: silentLogger };
    const payload = fc.oneof(
      fc.record(
        {
          dryRun: fc.oneof(fc.boolean(), fc.anything()),
          idleTimeoutSeconds: fc.oneof(
            fc.integer({ min: -5, max: 100_000 }),
            fc.double(),
            fc.anything(),
          ),
          maxAgeSeconds: fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.anything()),
          limit: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.anything()),
          userIds: fc.oneof(fc.array(userIdLike, { maxLength: 8 }), fc.anything()),
        },
        { requiredKeys: [] },
      ),
      fc.dictionary(fc.string(), fc.anything()),
      fc.anything(),
    );
    let ran = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(payload, async (event) => {
        try {
          const before = errors.length;
          const summary = await handleReapInvocation(event, reapDeps);
          expect(errors.slice(before)).toEqual([]);
          expect(summary.trigger).toMatch(/^(manual|schedule)$/);
          ran++;
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          const { field, message } = error as ValidationError;
          // A field name, or the refused key quoted (e.g. `"": unknown key`).
          expect(field).toMatch(/^([\w$.[\]]+|".*")$/);
          expect(message.startsWith(`${field}: `)).toBe(true);
          // Refused up front: the engine never started (it logs `reap failed` if it did).
          expect(errors).toEqual([]);
          refused++;
        }
      }),
      {
        numRuns: 300,
        // Ids the store refuses: refused before any work, not after the others were destroyed.
        examples: [
          [{ userIds: ['fine-1', 'fine-2', 'bad\u0001id'] }],
          [{ userIds: ['fine-3', '__car-reaper#budget'] }],
        ],
      },
    );
    expect(ran).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    reportFigures('bad-reap-payloads', { runs: 300, ran, refused });
  });
});
