/** The local CAR emulator: tests, `npm start` and `car-reaper emulator` use it. */
export { type CallRecord, type CarEmulator, startCarEmulator } from './car-emulator.js';
export type { FaultOptions, LatencyOptions, Random } from './faults.js';
export {
  defaultRates,
  type EmulatedAction,
  type EmulatorOptions,
  type EmulatorSettings,
  emulatedActions,
} from './options.js';
export { maxInAnyWindow } from './quota.js';
export { type EmulatorCliOptions, runEmulatorFromCli } from './run-from-cli.js';
export type { EmulatorCredentials } from './verify-request.js';
