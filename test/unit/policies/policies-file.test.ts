import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { loadConfig } from '../../../src/load-config.js';
import { loadPoliciesFile, parsePolicies } from '../../../src/policies/policies-file.js';

const dir = mkdtempSync(join(tmpdir(), 'car-reaper-policies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileWith = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const refusal = (text: string): ConfigError => {
  try {
    parsePolicies(text, 'policies.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the file was accepted');
};

describe('Function: parsePolicies', () => {
  it('reads each class with only the values it sets', () => {
    const classes = parsePolicies(
      [
        'classes:',
        '  kiosk:',
        '    idleTimeoutSeconds: 3600',
        '    disconnectGraceSeconds: 300',
        '    maxSessionAgeSeconds: 0',
        '    warnBeforeSeconds: 120',
        '  gpu:',
        '    idleTimeoutSeconds: 60',
        '  plain:',
      ].join('\n'),
      'policies.yml',
    );
    expect(classes).toEqual({
      kiosk: {
        idleTimeoutSeconds: 3600,
        disconnectGraceSeconds: 300,
        maxSessionAgeSeconds: 0,
        warnBeforeSeconds: 120,
      },
      gpu: { idleTimeoutSeconds: 60 },
      plain: {},
    });
  });

  it('accepts an empty file as no classes', () => {
    expect(parsePolicies('', 'policies.yml')).toEqual({});
    expect(parsePolicies('classes:\n', 'policies.yml')).toEqual({});
  });

  it('refuses an unknown key, naming the variable, the file, the key and its line', () => {
    const error = refusal('classes:\n  kiosk:\n    idleTimeoutSecs: 3600\n');
    expect(error.variable).toBe('POLICIES_FILE');
    expect(error.message).toMatch(
      /^POLICIES_FILE: policies\.yml: classes\.kiosk\.idleTimeoutSecs \(line 3\): unknown key/,
    );
    expect(error.message).toContain('idleTimeoutSeconds');
  });

  it('refuses an unknown top-level key', () => {
    expect(refusal('class:\n  kiosk: {}\n').message).toContain('policies.yml: class (line 1)');
  });

  it.each([
    ['a negative number', '-5', 'must be a whole number of seconds >= 0'],
    ['a fraction', '1.5', 'must be a whole number of seconds >= 0'],
    ['a string', '"300"', 'got "300"'],
    ['a duration text', '5m', 'got "5m"'],
    ['a list', '[1]', 'must be a whole number'],
  ])('refuses %s as a value, naming the key', (_, value, message) => {
    const error = refusal(`classes:\n  kiosk:\n    disconnectGraceSeconds: ${value}\n`);
    expect(error.message).toContain('classes.kiosk.disconnectGraceSeconds (line 3)');
    expect(error.message).toContain(message);
  });

  it('refuses an idle timeout of 0 (it would reap every session of the class at once)', () => {
    expect(refusal('classes:\n  k:\n    idleTimeoutSeconds: 0\n').message).toContain('>= 1');
  });

  it('refuses YAML tags, unknown and standard ones', () => {
    expect(refusal('classes:\n  kiosk: !include other.yml\n').message).toMatch(
      /policies\.yml: .*(tag|Unresolved)/i,
    );
    expect(refusal('classes:\n  kiosk:\n    idleTimeoutSeconds: !!int 60\n').message).toContain(
      'YAML tags are not accepted',
    );
  });

  it('refuses duplicate keys and syntax errors, naming the file', () => {
    expect(refusal('classes:\n  a: {}\n  a: {}\n').message).toMatch(
      /^POLICIES_FILE: policies\.yml: .*unique/,
    );
    expect(refusal('classes: [\n').message).toMatch(/^POLICIES_FILE: policies\.yml: /);
  });

  it('refuses a class named default (it comes from the environment) and bad names', () => {
    expect(refusal('classes:\n  default:\n    idleTimeoutSeconds: 5\n').message).toContain(
      'classes.default (line 2): the default class comes from the environment',
    );
    expect(refusal('classes:\n  "a#b": {}\n').message).toContain('classes.a#b (line 2)');
  });
});

describe('Function: loadPoliciesFile', () => {
  it('names the file when it cannot be read', () => {
    const missing = join(dir, 'missing.yml');
    expect(() => loadPoliciesFile(missing)).toThrow(
      `POLICIES_FILE: cannot read ${missing} (ENOENT)`,
    );
  });
});

describe('Function: loadConfig with POLICIES_FILE', () => {
  it('gives each class the default values it does not set itself', () => {
    const file = fileWith('ok.yml', 'classes:\n  kiosk:\n    idleTimeoutSeconds: 3600\n');
    const config = loadConfig({
      POLICIES_FILE: file,
      IDLE_TIMEOUT_SECONDS: '10',
      DISCONNECT_GRACE_SECONDS: '20',
      WARN_BEFORE_SECONDS: '5',
    });
    expect(config.policiesFile).toBe(file);
    expect(config.classes.names).toEqual(['default', 'kiosk']);
    expect(config.classes.policyOf('kiosk')).toEqual({
      idleTimeoutSeconds: 3600,
      disconnectGraceSeconds: 20,
      maxSessionAgeSeconds: 0,
      warnBeforeSeconds: 5,
    });
    expect(config.classes.policyOf(undefined).idleTimeoutSeconds).toBe(10);
  });

  it('fails at start on a bad file, naming the file and the key', () => {
    const file = fileWith('bad.yml', 'classes:\n  kiosk:\n    idleTimeoutSecs: 3600\n');
    expect(() => loadConfig({ POLICIES_FILE: file })).toThrow(
      `POLICIES_FILE: ${file}: classes.kiosk.idleTimeoutSecs (line 3): unknown key`,
    );
  });

  it('knows only the default class without a file', () => {
    const { classes } = loadConfig({});
    expect(classes.names).toEqual(['default']);
    expect(() => classes.assertKnown('kiosk', 'class')).toThrow(
      'class: unknown class "kiosk" (no POLICIES_FILE is set); known classes: "default"',
    );
  });
});

describe('File: examples/policies.yml', () => {
  it('is a valid policies file', () => {
    const classes = loadPoliciesFile(
      new URL('../../../examples/policies.yml', import.meta.url).pathname,
    );
    expect(Object.keys(classes).sort()).toEqual(['gpu', 'kiosk', 'premium']);
  });
});
