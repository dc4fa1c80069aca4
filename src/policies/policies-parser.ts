import { readFileSync } from 'node:fs';
import type { YAMLMap } from 'yaml';
import { ConfigError } from '../errors.js';
import {
  CLASS_NAME_PATTERN,
  CLASS_POLICY_KEYS,
  CLASS_POLICY_MINIMUM,
  type ClassPolicy,
  DEFAULT_CLASS,
} from './session-classes.js';

/**
 * The parts of the `yaml` package the parser uses, passed in: the CLI imports
 * the package (policies-file.ts), the functions only when POLICIES_FILE is set.
 */
export type YamlApi = Pick<
  typeof import('yaml'),
  'isMap' | 'isNode' | 'LineCounter' | 'parseDocument' | 'visit'
>;

/** The variable naming the policies file. */
export const POLICIES_FILE_VARIABLE = 'POLICIES_FILE';

/** Largest accepted policies file: a few hundred classes fit easily. */
const MAX_FILE_BYTES = 256 * 1024;

/**
 * The named classes of a policies file, each with only the values it sets:
 *
 * ```yaml
 * classes:
 *   kiosk:
 *     idleTimeoutSeconds: 3600
 * ```
 *
 * Strict: an unknown key, a value that is not a whole number of seconds in
 * range, a duplicate key, a YAML tag of any kind or a syntax error throws a
 * {@link ConfigError} naming `POLICIES_FILE`, the file, the key and its line.
 */
export function parsePolicies(
  yaml: YamlApi,
  text: string,
  file: string,
): Record<string, Partial<ClassPolicy>> {
  const { isMap, isNode, LineCounter, parseDocument, visit } = yaml;
  const lines = new LineCounter();
  const document = parseDocument(text, { schema: 'core', uniqueKeys: true, lineCounter: lines });
  const fail = (path: string, offset: number | undefined, message: string): never => {
    const at = offset === undefined ? '' : ` (line ${lines.linePos(offset).line})`;
    throw new ConfigError(POLICIES_FILE_VARIABLE, `${file}: ${path}${at}: ${message}`);
  };
  const [problem] = [...document.errors, ...document.warnings];
  if (problem) {
    const detail = problem.message.split('\n')[0] ?? problem.code;
    throw new ConfigError(POLICIES_FILE_VARIABLE, `${file}: ${detail}`);
  }
  // Tags (even standard ones such as !!str) are refused: a policies file is plain data.
  visit(document, (_key, node) => {
    if (isNode(node) && node.tag !== undefined) {
      fail('(tag)', node.range?.[0], `YAML tags are not accepted, found ${node.tag}`);
    }
  });
  const root = document.contents;
  if (root === null || (root as { value?: unknown }).value === null) return {};
  if (!isMap(root)) return fail('(top level)', root.range?.[0], 'must be a mapping with `classes`');

  const classes: Record<string, Partial<ClassPolicy>> = {};
  for (const pair of (root as YAMLMap).items) {
    const key = scalarKey(pair.key);
    const keyOffset = (pair.key as { range?: [number] } | null)?.range?.[0];
    if (key !== 'classes') {
      fail(key ?? '(key)', keyOffset, 'unknown key; the file has only `classes`');
    }
    if (pair.value === null || (pair.value as { value?: unknown }).value === null) continue;
    if (!isMap(pair.value)) fail('classes', keyOffset, 'must be a mapping of class names');
    for (const entry of (pair.value as YAMLMap).items) {
      const name = scalarKey(entry.key);
      const nameOffset = (entry.key as { range?: [number] } | null)?.range?.[0];
      const path = `classes.${name ?? '(key)'}`;
      if (name === undefined || !CLASS_NAME_PATTERN.test(name)) {
        fail(
          path,
          nameOffset,
          'a class name is 1-64 of A-Z, a-z, 0-9, _, ., - (starting with a letter or digit)',
        );
      }
      if (name === DEFAULT_CLASS) {
        fail(
          path,
          nameOffset,
          'the default class comes from the environment variables; name the class otherwise',
        );
      }
      classes[name as string] = classPolicy(yaml, entry.value, path, nameOffset, fail);
    }
  }
  return classes;
}

function classPolicy(
  { isMap }: YamlApi,
  node: unknown,
  path: string,
  offset: number | undefined,
  fail: (path: string, offset: number | undefined, message: string) => never,
): Partial<ClassPolicy> {
  if (node === null || (node as { value?: unknown }).value === null) return {};
  if (!isMap(node))
    return fail(path, offset, `must be a mapping of ${CLASS_POLICY_KEYS.join(', ')}`);
  const policy: Partial<ClassPolicy> = {};
  for (const pair of (node as YAMLMap).items) {
    const key = scalarKey(pair.key);
    const keyOffset = (pair.key as { range?: [number] } | null)?.range?.[0];
    const keyPath = `${path}.${key ?? '(key)'}`;
    if (key === undefined || !(CLASS_POLICY_KEYS as readonly string[]).includes(key)) {
      fail(keyPath, keyOffset, `unknown key; expected one of ${CLASS_POLICY_KEYS.join(', ')}`);
    }
    const name = key as keyof ClassPolicy;
    const value = (pair.value as { value?: unknown } | null)?.value;
    const min = CLASS_POLICY_MINIMUM[name];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      fail(
        keyPath,
        keyOffset,
        `must be a whole number of seconds >= ${min}, got ${JSON.stringify(value ?? null)}`,
      );
    }
    policy[name] = value as number;
  }
  return policy;
}

const scalarKey = (key: unknown): string | undefined => {
  const value = (key as { value?: unknown } | null)?.value;
  return typeof value === 'string' ? value : value === undefined ? undefined : String(value);
};

/** Reads and parses the policies file at `file`; a missing or unreadable file names it. */
export function loadPoliciesFile(
  yaml: YamlApi,
  file: string,
): Record<string, Partial<ClassPolicy>> {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.length > MAX_FILE_BYTES) {
      throw new ConfigError(POLICIES_FILE_VARIABLE, `${file}: larger than ${MAX_FILE_BYTES} bytes`);
    }
    text = buffer.toString('utf8');
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(POLICIES_FILE_VARIABLE, `cannot read ${file} (${reason})`);
  }
  return parsePolicies(yaml, text, file);
}
