import { InvalidArgumentError } from 'commander';

/**
 * Strict numeric option parsers for commander. `Number('12abc')` is NaN but
 * `parseInt('12abc')` is 12: a typo must fail, so the whole text must be a
 * number. Commander prefixes the message with the flag it belongs to
 * ("option '--limit <n>' argument '1x' is invalid"), and the CLI exits 2.
 */
function parse(raw: string, { integer, min }: { integer: boolean; min: number }): number {
  const text = raw.trim();
  const value = /^[+]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    const kind = integer ? 'an integer' : 'a number';
    throw new InvalidArgumentError(`must be ${kind} >= ${min}.`);
  }
  return value;
}

/** A whole number of seconds, 0 or more (e.g. `--max-age 0` turns the cap off). */
export const parseSeconds = (raw: string): number => parse(raw, { integer: true, min: 0 });

/** A whole number, 1 or more (e.g. `--limit`, `--rate`). */
export const parsePositiveInt = (raw: string): number => parse(raw, { integer: true, min: 1 });

/** A TCP port: 0 (any free port) to 65535. */
export const parsePort = (raw: string): number => {
  const value = parse(raw, { integer: true, min: 0 });
  if (value > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535.');
  return value;
};
