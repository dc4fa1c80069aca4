// Lambda entry point of `POST /disconnect` (httpApi): see src/handlers/disconnect.ts.
import { webhookFunction } from '../src/lambda/webhook-function.js';

export const handler = webhookFunction('/disconnect');
