// The parts of the EventBridge client the transport uses, imported by name so
// that the bundle keeps only them (a dynamic import of the package keeps every command).
export { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
