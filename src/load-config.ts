import { type Config, configFrom, type Env } from './config.js';
import { loadPoliciesFile } from './policies/policies-file.js';

/** Parses the environment and the policies file; a missing or malformed value throws a ConfigError naming it. */
export function loadConfig(env: Env = process.env): Config {
  return configFrom(env, loadPoliciesFile);
}
