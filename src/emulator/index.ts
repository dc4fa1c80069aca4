/** The local CAR emulator: tests, `npm start` and `car-reaper emulator` use it. */
export { type CallRecord, type CarEmulator, startCarEmulator } from './car-emulator.js';
export type { EmulatorOptions } from './options.js';
export { maxInAnyWindow } from './quota.js';
export { runEmulatorFromCli } from './run-from-cli.js';
