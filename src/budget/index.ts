/** The DestroySession budget shared by every process, kept in the sessions table. */
export * from './budget-options.js';
export * from './dynamodb-slot-store.js';
export * from './lane-routed-reaper.js';
export * from './lane-waiters.js';
export * from './shared-rate-budget.js';
export * from './slot-math.js';
export * from './slot-store.js';
