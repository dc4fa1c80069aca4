import { describe, expect, it } from 'vitest';
import type { WebhookRefusal } from '../../../src/handlers/deps.js';
import { sampledRefusalLog } from '../../../src/handlers/refusal-log.js';
import { jsonLogger } from '../../../src/logger.js';

const refusal = (reason: WebhookRefusal['reason'], route = '/heartbeat'): WebhookRefusal => ({
  route,
  reason,
  status: 401,
  error: 'missing webhook-id header',
});

describe('Function: sampledRefusalLog', () => {
  it('logs the first refusal of each route and reason, then one a minute with the count left out', () => {
    const lines: Record<string, unknown>[] = [];
    let now = 0;
    const log = sampledRefusalLog({
      logger: jsonLogger({ write: (line) => lines.push(JSON.parse(line)) }),
      clock: () => now,
    });
    for (let i = 0; i < 1000; i++) log(refusal('missing-headers'));
    log(refusal('stale'));
    log(refusal('missing-headers', '/disconnect'));
    expect(lines.map((line) => [line.route, line.reason, line.suppressedSinceLastLine])).toEqual([
      ['/heartbeat', 'missing-headers', 0],
      ['/heartbeat', 'stale', 0],
      ['/disconnect', 'missing-headers', 0],
    ]);
    now += 60_000;
    log(refusal('missing-headers'));
    expect(lines.at(-1)).toMatchObject({
      level: 'WARN',
      message: 'webhook refused',
      reason: 'missing-headers',
      suppressedSinceLastLine: 999,
    });
    expect(lines).toHaveLength(4);
  });
});
