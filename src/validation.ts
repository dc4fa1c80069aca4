import { ValidationError } from './errors.js';

/**
 * The checks every option, payload and setting goes through, in one style:
 * `assertX(value, field, ...)` throws a {@link ValidationError} whose message
 * starts with `field`. A value of the wrong type is described by its type
 * (`got a string`), a wrong number or text by itself (`got 0`, `got "x y"`).
 */

/** The type of a value, for a message: `a string`, `a number`, `null`, `an array`... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}

/** A value itself, shortened, for a message: `"abc"`, `42`, `true`; else its type. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 40));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}

/** A finite number (an integer with `integer`) of at least `min`. */
export function assertNumberAtLeast(
  value: unknown,
  field: string,
  min: number,
  { integer = false }: { integer?: boolean } = {},
): asserts value is number {
  assertFinite(value, field, integer);
  if (value < min) throw new ValidationError(field, `must be >= ${min}, got ${value}`);
}

/** A finite number (an integer with `integer`) greater than `bound`. */
export function assertNumberAbove(
  value: unknown,
  field: string,
  bound: number,
  { integer = false }: { integer?: boolean } = {},
): asserts value is number {
  assertFinite(value, field, integer);
  if (value <= bound) throw new ValidationError(field, `must be > ${bound}, got ${value}`);
}

function assertFinite(value: unknown, field: string, integer: boolean): asserts value is number {
  if (typeof value !== 'number') {
    const kind = integer ? 'an integer' : 'a finite number';
    throw new ValidationError(field, `must be ${kind}, got ${describeType(value)}`);
  }
  if (integer ? !Number.isSafeInteger(value) : !Number.isFinite(value)) {
    throw new ValidationError(field, `must be ${integer ? 'an integer' : 'finite'}, got ${value}`);
  }
}

/** A boolean, strictly (no "true" strings). */
export function assertBoolean(value: unknown, field: string): asserts value is boolean {
  if (typeof value !== 'boolean') {
    throw new ValidationError(field, `must be true or false, got ${describeType(value)}`);
  }
}

/** A non-empty string of at most `max` characters. */
export function assertText(value: unknown, field: string, max = 4096): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ValidationError(field, `must be a non-empty string, got ${describeValue(value)}`);
  }
  if (value.length > max) {
    throw new ValidationError(field, `must be at most ${max} characters, got ${value.length}`);
  }
}
