// Lambda entry point of `POST /disconnect` (httpApi): see src/handlers/disconnect.ts.
import { lambdaContainer } from '../src/lambda/container.js';
import { webhookFunction } from '../src/lambda/webhook-function.js';

export const handler = webhookFunction('/disconnect', () => lambdaContainer());
