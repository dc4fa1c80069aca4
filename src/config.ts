import { ConfigError } from './errors.js';
import { eventSecretKey } from './events/sign-event.js';
import { type ClassPolicy, SessionClasses } from './policies/session-classes.js';
import { webhookKeys } from './webhook/signature.js';

/** Every setting car-reaper reads, parsed once at start into one typed object. */
export interface Config {
  /** `SESSIONS_TABLE` @default 'car-reaper-sessions' */
  tableName: string;
  /** `DYNAMODB_ENDPOINT`: DynamoDB endpoint override (DynamoDB Local). */
  dynamodbEndpoint?: string;
  /** `AWS_REGION` @default 'us-east-1' */
  awsRegion: string;
  /** `TENCENTCLOUD_SECRET_ID` / `_KEY` / `_SESSION_TOKEN`; may be absent when fetched from SSM. */
  tencent: { secretId?: string; secretKey?: string; sessionToken?: string };
  /** `CAR_ENDPOINT` @default 'https://car.tencentcloudapi.com' */
  carEndpoint: string;
  /** `CAR_QUOTA_RPS`: the DestroySession quota to stay within. @default 100 */
  carQuotaRps: number;
  /** `CAR_CONCURRENCY`: cap on DestroySession calls in flight; undefined lets the engine choose. */
  carConcurrency?: number;
  /** `CAR_TIMEOUT_MS`: per-request timeout of CAR calls. @default 5000 */
  carTimeoutMs: number;
  /** `IDLE_TIMEOUT_SECONDS` @default 300 */
  idleTimeoutSeconds: number;
  /** `DISCONNECT_GRACE_SECONDS` @default 90 */
  disconnectGraceSeconds: number;
  /** `MAX_SESSION_AGE_SECONDS`; 0 turns the cap off. @default 0 */
  maxSessionAgeSeconds: number;
  /** `WARN_BEFORE_SECONDS`: warn this long before a session becomes due; 0 = no warnings. @default 0 */
  warnBeforeSeconds: number;
  /** `RETRY_MAX_DELAY_SECONDS`: cap of the backoff between runs after a retryable failure. @default 900 */
  retryMaxDelaySeconds: number;
  /** `GIVE_UP_AFTER_SECONDS`: a session failing retryably this long is `failed`; 0 = never. @default 86400 */
  giveUpAfterSeconds: number;
  /**
   * `ACTIVITY_RESOLUTION_SECONDS`: activity less than this much newer than
   * the last written is not written; the reaper allows for it, so a session
   * is due only `idleTimeoutSeconds` plus this after its recorded activity.
   * 0 writes every activity. @default 30
   */
  activityResolutionSeconds: number;
  /**
   * `WEBHOOK_SECRET`: one or more Standard Webhooks secrets (`whsec_<base64>`,
   * at least 24 bytes) separated by spaces, any of which verifies; without it
   * the webhook endpoints refuse every request.
   */
  webhookSecret?: string;
  /** `POLICIES_FILE`: the YAML file the named session classes came from. */
  policiesFile?: string;
  /**
   * The session classes: `default` from the variables above, plus the named
   * classes of `POLICIES_FILE`, read and validated here, at start.
   */
  classes: SessionClasses;
  /**
   * `SEAT_HOUR_PRICE`: what one concurrency seat costs per hour, in the
   * operator's currency. CAR bills purchased concurrency, so `report` shows
   * money only when the operator says what a seat-hour is worth.
   */
  seatHourPrice?: number;
  /** `EVENTS_WEBHOOK_URL` + `EVENTS_WEBHOOK_SECRET`: outbound events, signed per Standard Webhooks. */
  eventsWebhook?: { url: string; secret: string };
  /** `EVENT_BUS_NAME`: EventBridge bus (name or ARN) for the same events. */
  eventBusName?: string;
}

export type Env = Record<string, string | undefined>;

const present = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

const number = (
  env: Env,
  name: string,
  fallback: number,
  { min = 0, integer = true }: { min?: number; integer?: boolean } = {},
): number => {
  const raw = present(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    const kind = integer ? 'an integer' : 'a number';
    throw new ConfigError(name, `must be ${kind} >= ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
};

const url = (env: Env, name: string, fallback: string): string => {
  const raw = present(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got ${JSON.stringify(raw)}`);
  }
  return raw.replace(/\/+$/, '');
};

/** `EVENTS_WEBHOOK_URL` and `EVENTS_WEBHOOK_SECRET` go together: one without the other is an error. */
function eventsWebhook(env: Env): Config['eventsWebhook'] {
  const rawUrl = present(env, 'EVENTS_WEBHOOK_URL');
  const secret = present(env, 'EVENTS_WEBHOOK_SECRET');
  if (rawUrl === undefined && secret === undefined) return undefined;
  if (rawUrl === undefined) {
    throw new ConfigError('EVENTS_WEBHOOK_URL', 'is required when EVENTS_WEBHOOK_SECRET is set');
  }
  if (secret === undefined) {
    throw new ConfigError('EVENTS_WEBHOOK_SECRET', 'is required when EVENTS_WEBHOOK_URL is set');
  }
  try {
    eventSecretKey(secret);
  } catch (error) {
    throw new ConfigError(
      'EVENTS_WEBHOOK_SECRET',
      (error as Error).message.replace(/^a webhook secret /, ''),
    );
  }
  return { url: url(env, 'EVENTS_WEBHOOK_URL', rawUrl), secret };
}

/** A bus name (1-256 of `.`, `-`, `_`, `/`, letters, digits) or a bus ARN. */
function eventBusName(env: Env): string | undefined {
  const name = present(env, 'EVENT_BUS_NAME');
  if (name === undefined) return undefined;
  if (
    !/^(arn:aws[\w-]*:events:[a-z0-9-]+:\d{12}:event-bus\/)?[/.\-_A-Za-z0-9]{1,256}$/.test(name)
  ) {
    throw new ConfigError(
      'EVENT_BUS_NAME',
      `must be an EventBridge bus name or ARN, got ${JSON.stringify(name)}`,
    );
  }
  return name;
}

/** A class's warning must come before its idle timeout, or every activity would be followed by one. */
function assertWarningsBeforeTimeouts(classes: SessionClasses): void {
  for (const name of classes.namedClasses) {
    const policy = classes.policyOf(name);
    if (policy.warnBeforeSeconds > 0 && policy.warnBeforeSeconds >= policy.idleTimeoutSeconds) {
      throw new ConfigError(
        'POLICIES_FILE',
        `${classes.source}: classes.${name}.warnBeforeSeconds must be less than its ` +
          `idleTimeoutSeconds (${policy.idleTimeoutSeconds}), got ${policy.warnBeforeSeconds}`,
      );
    }
  }
}

/** Reads the named classes of a policies file (strict YAML: policies-parser.ts). */
export type PoliciesReader = (file: string) => Record<string, Partial<ClassPolicy>>;

/**
 * Parses the environment, the policies file read by `readPolicies`; a missing
 * or malformed value throws a {@link ConfigError} naming it. `loadConfig`
 * (load-config.ts) reads the file with the YAML parser; the functions import
 * that parser only when `POLICIES_FILE` names a file.
 */
export function configFrom(env: Env, readPolicies: PoliciesReader): Config {
  const tableName = present(env, 'SESSIONS_TABLE') ?? 'car-reaper-sessions';
  if (!/^[a-zA-Z0-9_.-]{3,255}$/.test(tableName)) {
    throw new ConfigError(
      'SESSIONS_TABLE',
      `must be 3-255 characters of a-z, A-Z, 0-9, '_', '-', '.', got ${JSON.stringify(tableName)}`,
    );
  }
  const dynamodbEndpoint = present(env, 'DYNAMODB_ENDPOINT');
  const carConcurrency = present(env, 'CAR_CONCURRENCY');
  const idleTimeoutSeconds = number(env, 'IDLE_TIMEOUT_SECONDS', 300, { min: 1 });
  const disconnectGraceSeconds = number(env, 'DISCONNECT_GRACE_SECONDS', 90);
  const maxSessionAgeSeconds = number(env, 'MAX_SESSION_AGE_SECONDS', 0);
  const warnBeforeSeconds = number(env, 'WARN_BEFORE_SECONDS', 0);
  if (warnBeforeSeconds >= idleTimeoutSeconds) {
    throw new ConfigError(
      'WARN_BEFORE_SECONDS',
      `must be less than IDLE_TIMEOUT_SECONDS (${idleTimeoutSeconds}), got ${warnBeforeSeconds}`,
    );
  }
  const policiesFile = present(env, 'POLICIES_FILE');
  const classes = new SessionClasses(
    { idleTimeoutSeconds, disconnectGraceSeconds, maxSessionAgeSeconds, warnBeforeSeconds },
    policiesFile === undefined ? {} : readPolicies(policiesFile),
    policiesFile,
  );
  assertWarningsBeforeTimeouts(classes);
  const seatHourPrice = present(env, 'SEAT_HOUR_PRICE');
  return {
    tableName,
    dynamodbEndpoint:
      dynamodbEndpoint === undefined ? undefined : url(env, 'DYNAMODB_ENDPOINT', dynamodbEndpoint),
    awsRegion: present(env, 'AWS_REGION') ?? 'us-east-1',
    tencent: {
      secretId: present(env, 'TENCENTCLOUD_SECRET_ID'),
      secretKey: present(env, 'TENCENTCLOUD_SECRET_KEY'),
      sessionToken: present(env, 'TENCENTCLOUD_SESSION_TOKEN'),
    },
    carEndpoint: url(env, 'CAR_ENDPOINT', 'https://car.tencentcloudapi.com'),
    carQuotaRps: number(env, 'CAR_QUOTA_RPS', 100, { min: 1 }),
    carConcurrency:
      carConcurrency === undefined ? undefined : number(env, 'CAR_CONCURRENCY', 0, { min: 1 }),
    carTimeoutMs: number(env, 'CAR_TIMEOUT_MS', 5000, { min: 1 }),
    idleTimeoutSeconds,
    disconnectGraceSeconds,
    maxSessionAgeSeconds,
    warnBeforeSeconds,
    activityResolutionSeconds: number(env, 'ACTIVITY_RESOLUTION_SECONDS', 30),
    retryMaxDelaySeconds: number(env, 'RETRY_MAX_DELAY_SECONDS', 900, { min: 1 }),
    giveUpAfterSeconds: number(env, 'GIVE_UP_AFTER_SECONDS', 86_400),
    webhookSecret: webhookSecret(env),
    policiesFile,
    classes,
    seatHourPrice:
      seatHourPrice === undefined
        ? undefined
        : number(env, 'SEAT_HOUR_PRICE', 0, { min: 0, integer: false }),
    eventsWebhook: eventsWebhook(env),
    eventBusName: eventBusName(env),
  };
}

const webhookSecret = (env: Env): string | undefined => {
  const raw = present(env, 'WEBHOOK_SECRET');
  if (raw === undefined) return undefined;
  try {
    webhookKeys(raw);
  } catch (error) {
    throw new ConfigError('WEBHOOK_SECRET', (error as Error).message);
  }
  return raw;
};

/** Throws a {@link ConfigError} unless both Tencent credentials are set. */
export function requireTencentCredentials(config: Config): {
  secretId: string;
  secretKey: string;
  sessionToken?: string;
} {
  const { secretId, secretKey, sessionToken } = config.tencent;
  if (!secretId) throw new ConfigError('TENCENTCLOUD_SECRET_ID', 'is required to call CAR');
  if (!secretKey) throw new ConfigError('TENCENTCLOUD_SECRET_KEY', 'is required to call CAR');
  return { secretId, secretKey, sessionToken };
}
