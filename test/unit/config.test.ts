import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { loadConfig } from '../../src/load-config.js';

describe('Function: loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      tableName: 'car-reaper-sessions',
      awsRegion: 'us-east-1',
      carEndpoint: 'https://car.tencentcloudapi.com',
      carQuotaRps: 100,
      carConcurrency: undefined,
      idleTimeoutSeconds: 300,
      disconnectGraceSeconds: 90,
      maxSessionAgeSeconds: 0,
      activityResolutionSeconds: 30,
      webhookSecret: undefined,
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      SESSIONS_TABLE: 'sessions-x',
      DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000/',
      CAR_ENDPOINT: 'http://127.0.0.1:9000',
      CAR_QUOTA_RPS: '50',
      CAR_CONCURRENCY: '7',
      IDLE_TIMEOUT_SECONDS: '60',
      DISCONNECT_GRACE_SECONDS: '0',
      MAX_SESSION_AGE_SECONDS: '3600',
      ACTIVITY_RESOLUTION_SECONDS: '0',
      WEBHOOK_SECRET:
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_c2VjcmV0LXR3by1pcy10d2VudHktZm91ci1ieXRlcw==',
    });
    expect(config).toMatchObject({
      tableName: 'sessions-x',
      dynamodbEndpoint: 'http://127.0.0.1:8000',
      carEndpoint: 'http://127.0.0.1:9000',
      carQuotaRps: 50,
      carConcurrency: 7,
      idleTimeoutSeconds: 60,
      disconnectGraceSeconds: 0,
      maxSessionAgeSeconds: 3600,
      activityResolutionSeconds: 0,
      webhookSecret:
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw whsec_c2VjcmV0LXR3by1pcy10d2VudHktZm91ci1ieXRlcw==',
    });
  });

  it.each([
    ['CAR_QUOTA_RPS', 'fast'],
    ['CAR_QUOTA_RPS', '0'],
    ['CAR_CONCURRENCY', '2.5'],
    ['IDLE_TIMEOUT_SECONDS', '-1'],
    ['ACTIVITY_RESOLUTION_SECONDS', '-5'],
    ['ACTIVITY_RESOLUTION_SECONDS', '0.5'],
    ['CAR_ENDPOINT', 'ftp://example'],
    ['DYNAMODB_ENDPOINT', 'not a url'],
    ['SESSIONS_TABLE', 'a'],
    ['WEBHOOK_SECRET', 's3cret'],
    ['WEBHOOK_SECRET', 'whsec_c2hvcnQ='],
    ['WARN_BEFORE_SECONDS', 'soon'],
    ['WARN_BEFORE_SECONDS', '300'],
    ['EVENT_BUS_NAME', 'bus name with spaces'],
  ])('names %s when it is malformed (%s)', (variable, value) => {
    const attempt = () => loadConfig({ [variable]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${variable}: `));
  });

  describe('outbound events', () => {
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

    it('reads WARN_BEFORE_SECONDS, the events webhook and the bus', () => {
      const config = loadConfig({
        IDLE_TIMEOUT_SECONDS: '30',
        WARN_BEFORE_SECONDS: '10',
        EVENTS_WEBHOOK_URL: 'http://127.0.0.1:7000/events',
        EVENTS_WEBHOOK_SECRET: secret,
        EVENT_BUS_NAME: 'car-reaper-dev',
      });
      expect(config).toMatchObject({
        warnBeforeSeconds: 10,
        eventsWebhook: { url: 'http://127.0.0.1:7000/events', secret },
        eventBusName: 'car-reaper-dev',
      });
      expect(loadConfig({})).toMatchObject({ warnBeforeSeconds: 0, eventsWebhook: undefined });
    });

    it("names the policies file's class whose warning is not before its idle timeout", () => {
      const dir = mkdtempSync(join(tmpdir(), 'car-reaper-config-'));
      const file = join(dir, 'policies.yml');
      writeFileSync(file, 'classes:\n  fast:\n    idleTimeoutSeconds: 60\n');
      try {
        const env = { WARN_BEFORE_SECONDS: '120', POLICIES_FILE: file };
        expect(() => loadConfig(env)).toThrow(
          /^POLICIES_FILE: .*classes\.fast\.warnBeforeSeconds must be less than its idleTimeoutSeconds \(60\), got 120/,
        );
        expect(loadConfig({ ...env, WARN_BEFORE_SECONDS: '30' }).warnBeforeSeconds).toBe(30);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('names the missing half of the events webhook', () => {
      expect(() => loadConfig({ EVENTS_WEBHOOK_URL: 'http://127.0.0.1:7000' })).toThrow(
        /^EVENTS_WEBHOOK_SECRET: is required when EVENTS_WEBHOOK_URL is set/,
      );
      expect(() => loadConfig({ EVENTS_WEBHOOK_SECRET: secret })).toThrow(
        /^EVENTS_WEBHOOK_URL: is required/,
      );
    });

    it.each([
      ['EVENTS_WEBHOOK_SECRET', 'plain-secret'],
      ['EVENTS_WEBHOOK_SECRET', 'whsec_not base64!'],
      ['EVENTS_WEBHOOK_URL', 'mailto:ops@example.com'],
    ])('names %s when it is malformed (%s)', (variable, value) => {
      const env = {
        EVENTS_WEBHOOK_URL: 'http://127.0.0.1:7000',
        EVENTS_WEBHOOK_SECRET: secret,
        [variable]: value,
      };
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable}: `));
    });

    it('accepts a bus ARN', () => {
      const arn = 'arn:aws:events:eu-west-1:123456789012:event-bus/car-reaper';
      expect(loadConfig({ EVENT_BUS_NAME: arn }).eventBusName).toBe(arn);
    });
  });
});
