// The CAR emulator in a process of its own, driven over IPC by benches and
// tests: the server's clock and event loop are then independent of the
// reaper's, as they are in production (an arrival is stamped when it arrives,
// not when a busy reaper's loop gets to it), and the reaper's peak RSS is its own.
import { type EmulatorOptions, startCarEmulator } from '../../src/emulator/index.js';

type Request = {
  id: number;
  command: 'calls' | 'destroyed' | 'live' | 'seed' | 'stop';
  userIds?: string[];
};

const options = JSON.parse(process.env.CAR_EMULATOR_CHILD_OPTIONS ?? '{}') as EmulatorOptions;
const emulator = await startCarEmulator(options);
process.send?.({ ready: emulator.url });

process.on('message', async (request: Request) => {
  const reply = (value: unknown) => process.send?.({ id: request.id, value });
  switch (request.command) {
    case 'calls':
      return reply(
        emulator
          .calls()
          .filter((c) => c.action === 'DestroySession')
          .map((c) => ({ at: c.at, code: c.code, userId: c.userId, outcome: c.outcome })),
      );
    case 'destroyed':
      return reply(
        emulator.calls().filter((c) => c.action === 'DestroySession' && c.outcome === 'ok').length,
      );
    case 'live':
      return reply(emulator.liveSessions());
    case 'seed':
      emulator.seedSessions(request.userIds ?? []);
      return reply(true);
    case 'stop':
      await emulator.stop();
      reply(true);
      process.exit(0);
  }
});
