// The webhook side of the benchmarks: `car-reaper serve` in its own process
// (grace 0: each /disconnect destroys at once through the runtime, on the
// priority lane of the shared budget) and a sender of signed /disconnect calls.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signWebhook } from '../../src/webhook/signature.js';
import { type BudgetStack, startWorker, WEBHOOK_SECRET, type Worker } from './budget-stack.js';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../../bin/car-reaper.js');

/** Starts `car-reaper serve --port 0` on the stack; resolves once it listens. */
export async function startServe(
  stack: BudgetStack,
): Promise<{ url: string; close(): Promise<void> }> {
  const serve: Worker = startWorker('serve', stack.env, [bin, 'serve', '--port', '0']);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(serve.stdout());
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 50);
    void serve.exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`car-reaper serve exited with ${code} (run npm run build first)`));
    });
  });
  return {
    url,
    async close() {
      serve.child.kill('SIGINT');
      await serve.exited;
    },
  };
}

/** One signed disconnect: when it was sent, when it was answered, and the action taken. */
export interface DisconnectSent {
  userId: string;
  sentAt: number;
  answeredAt: number;
  status: number;
  action?: string;
}

/** POSTs a signed `/disconnect` for `userId`. */
export async function sendDisconnect(url: string, userId: string): Promise<DisconnectSent> {
  const body = JSON.stringify({ type: 'session.disconnected', userId });
  const sentAt = Date.now();
  const response = await fetch(`${url}/disconnect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signWebhook(WEBHOOK_SECRET, body) },
    body,
  });
  const answer = (await response.json()) as { action?: string };
  return { userId, sentAt, answeredAt: Date.now(), status: response.status, action: answer.action };
}
