import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** Yields the non-empty, trimmed lines of a stream (user ids on stdin), without reading it all. */
export async function* readLines(input: Readable): AsyncGenerator<string> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    const text = line.trim();
    if (text !== '') yield text;
  }
}
