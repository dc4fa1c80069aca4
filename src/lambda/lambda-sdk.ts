// The parts of the Lambda client the self-invoker uses, imported by name so
// that the bundle keeps only them (a dynamic import of the package keeps every command).
export { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
