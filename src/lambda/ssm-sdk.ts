// The parts of the SSM client the functions use, imported by name so that the
// bundle keeps only them (a dynamic import of the package keeps every command).
export { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
