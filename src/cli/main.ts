import { registerEmulatorCommand } from './commands/emulator.js';
import { registerLocalCommand } from './commands/local.js';
import { registerServeCommand } from './commands/serve.js';
import { processIo } from './io.js';
import { runCli } from './program.js';
import { runtimeServices } from './runtime-services.js';

// The entry of the `car-reaper` bin (bundled to dist/cli/main.js).
const factory = runtimeServices();
const status = await runCli(process.argv, processIo(), factory, [
  registerServeCommand,
  registerEmulatorCommand,
  registerLocalCommand(factory),
]);
// Let stdout drain; exiting explicitly also ends any keep-alive socket left open.
process.exitCode = status;
process.stdout.write('', () => process.exit(status));
