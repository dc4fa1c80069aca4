// Lambda entry point of the reap function: the EventBridge schedule and manual
// invokes (`serverless invoke -f reap --data '{"dryRun":true}'`).
export { handler } from '../src/lambda/reap-function.js';
