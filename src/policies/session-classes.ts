import { ValidationError } from '../errors.js';

/** The class of a session recorded without one: its settings are the environment variables. */
export const DEFAULT_CLASS = 'default';

/** A class name: letters, digits, `_`, `.`, `-`; it becomes part of index keys, so no `#`. */
export const CLASS_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The lifecycle rules of one session class, in seconds (the names of the policies file). */
export interface ClassPolicy {
  /** A session with no activity for this long is stale. */
  idleTimeoutSeconds: number;
  /** Time a disconnected user has to come back. */
  disconnectGraceSeconds: number;
  /** Hard cap on a session's life; 0 = off. */
  maxSessionAgeSeconds: number;
  /** `session.warning` this long before the session becomes due; 0 = no warnings. */
  warnBeforeSeconds: number;
}

/** The keys a class may set, in the order they are documented. */
export const CLASS_POLICY_KEYS: readonly (keyof ClassPolicy)[] = [
  'idleTimeoutSeconds',
  'disconnectGraceSeconds',
  'maxSessionAgeSeconds',
  'warnBeforeSeconds',
];

/** Smallest accepted value of each key (an idle timeout of 0 would reap every session at once). */
export const CLASS_POLICY_MINIMUM: Readonly<Record<keyof ClassPolicy, number>> = {
  idleTimeoutSeconds: 1,
  disconnectGraceSeconds: 0,
  maxSessionAgeSeconds: 0,
  warnBeforeSeconds: 0,
};

/**
 * The session classes: the default class (from the environment variables)
 * and the named classes of the policies file, each inheriting from the
 * default class whatever it does not set. Inheritance is resolved when a
 * class's policy is asked for, so a run that overrides a default (a manual
 * reap with another idle timeout) reaches every class that does not set
 * that value itself.
 */
export class SessionClasses {
  private readonly overrides: ReadonlyMap<string, Readonly<Partial<ClassPolicy>>>;

  constructor(
    /** The default class's policy (the environment variables). */
    readonly defaults: Readonly<ClassPolicy>,
    overrides: Readonly<Record<string, Partial<ClassPolicy>>> = {},
    /** The file the named classes came from, for messages. */
    readonly source?: string,
  ) {
    this.overrides = new Map(Object.entries(overrides));
  }

  /** Every class name, `default` first. */
  get names(): string[] {
    return [DEFAULT_CLASS, ...[...this.overrides.keys()].sort()];
  }

  /** The named classes only (those of the policies file). */
  get namedClasses(): string[] {
    return [...this.overrides.keys()].sort();
  }

  has(name: string): boolean {
    return name === DEFAULT_CLASS || this.overrides.has(name);
  }

  /** What a class sets itself (empty for the default class). */
  overridesOf(name: string): Readonly<Partial<ClassPolicy>> {
    return this.overrides.get(name) ?? {};
  }

  /**
   * The policy of a class: its own values over `defaults` (the default
   * class's, or a run's overrides of them). An unknown name gets the
   * default class's policy: a session recorded under a class since removed
   * from the file is judged as a default session, not left alone forever.
   */
  policyOf(name: string | undefined, defaults: Readonly<ClassPolicy> = this.defaults): ClassPolicy {
    return { ...defaults, ...(name === undefined ? {} : this.overrides.get(name)) };
  }

  /**
   * Checks a class name given by a caller (heartbeat body, library, CLI) and
   * returns it; `field` names the input in the error. An unknown class is
   * refused rather than silently treated as the default one.
   */
  assertKnown(name: unknown, field = 'class'): string {
    if (typeof name !== 'string' || name === '') {
      throw new ValidationError(field, `must be a class name, got ${JSON.stringify(name)}`);
    }
    if (!this.has(name)) {
      const known = this.names.map((each) => JSON.stringify(each)).join(', ');
      const where = this.source ? ` in ${this.source}` : ' (no POLICIES_FILE is set)';
      throw new ValidationError(
        field,
        `unknown class ${JSON.stringify(name)}${where}; known classes: ${known}`,
      );
    }
    return name;
  }
}
