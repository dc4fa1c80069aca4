// Lambda entry point of `POST /heartbeat` (httpApi): see src/handlers/heartbeat.ts.
// Its container has the store and no engine: a heartbeat destroys nothing.
import { lambdaActivityContainer } from '../src/lambda/activity-container.js';
import { webhookFunction } from '../src/lambda/webhook-function.js';

export const handler = webhookFunction('/heartbeat', () => lambdaActivityContainer());
