// Lambda entry point of `POST /heartbeat` (httpApi): see src/handlers/heartbeat.ts.
import { webhookFunction } from '../src/lambda/webhook-function.js';

export const handler = webhookFunction('/heartbeat');
