import * as yaml from 'yaml';
import * as parser from './policies-parser.js';
import type { ClassPolicy } from './session-classes.js';

/**
 * The named classes of a policies file's text; strict (see policies-parser.ts):
 * a bad file throws a ConfigError naming POLICIES_FILE, the file, the key and its line.
 */
export const parsePolicies = (text: string, file: string): Record<string, Partial<ClassPolicy>> =>
  parser.parsePolicies(yaml, text, file);

/** Reads and parses the policies file at `file`; a missing or unreadable file names it. */
export const loadPoliciesFile = (file: string): Record<string, Partial<ClassPolicy>> =>
  parser.loadPoliciesFile(yaml, file);
