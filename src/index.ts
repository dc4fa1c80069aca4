/**
 * car-reaper as a library, for the customer's backend: record activity and
 * disconnects in the sessions table, or call the signed webhooks.
 */
export {
  type ActivityRecorder,
  type ActivityRecorderOptions,
  createActivityRecorder,
  type RecordActivityOptions,
} from './client/activity-recorder.js';
export {
  createWebhookClient,
  type DisconnectResult,
  type WebhookClient,
  type WebhookClientOptions,
  WebhookRequestError,
} from './client/webhook-client.js';
export type { Config } from './config.js';
export {
  ConfigError,
  ReaperError,
  StoreError,
  ValidationError,
} from './errors.js';
export { loadConfig } from './load-config.js';
export { type ClassPolicy, DEFAULT_CLASS, SessionClasses } from './policies/session-classes.js';
export type { SessionState } from './sessions/session-store.js';
export {
  DISCONNECT_TYPE,
  HEARTBEAT_TYPE,
} from './webhook/payloads.js';
export {
  generateWebhookSecret,
  ID_HEADER,
  SIGNATURE_HEADER,
  type SignOptions,
  signatureHeader,
  signWebhook,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  type WebhookSignatureHeaders,
} from './webhook/signature.js';
