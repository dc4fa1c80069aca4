import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The layout docs/architecture.md describes, checked on every run.

const SRC = join(import.meta.dirname, '..', '..', 'src');
const MAX_LINES = 350;
/** The only folders that may speak DynamoDB through the AWS SDK. */
const DYNAMODB_SDK_FOLDERS = ['dynamodb', 'lambda', 'client'];

const sources = (readdirSync(SRC, { recursive: true }) as string[])
  .filter((file) => file.endsWith('.ts'))
  .map((file) => ({ file, text: readFileSync(join(SRC, file), 'utf8') }));

/** The top folder of a file under src/, or the file itself for one at the top. */
const partOf = (file: string): string => file.split(/[\\/]/)[0] as string;

const importsOf = (text: string): string[] =>
  [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] as string);

describe('Layout: src/', () => {
  it(`has no file over ${MAX_LINES} lines`, () => {
    const long = sources
      .map(({ file, text }) => ({ file, lines: text.split('\n').length - 1 }))
      .filter(({ lines }) => lines > MAX_LINES);
    expect(long).toEqual([]);
  });

  it(`imports the DynamoDB SDK only in ${DYNAMODB_SDK_FOLDERS.join(', ')}`, () => {
    const outside = sources
      .filter(({ text }) =>
        importsOf(text).some((spec) => spec.startsWith('@aws-sdk/client-dynamodb')),
      )
      .map(({ file }) => file)
      .filter((file) => !DYNAMODB_SDK_FOLDERS.includes(partOf(file)));
    expect(outside).toEqual([]);
  });

  it('has no import cycle between its folders', () => {
    const edges = new Map<string, Set<string>>();
    for (const { file, text } of sources) {
      const from = partOf(file);
      for (const spec of importsOf(text).filter((each) => each.startsWith('.'))) {
        const to = partOf(relative(SRC, normalize(join(SRC, dirname(file), spec))));
        if (to === from || to.startsWith('..')) continue;
        if (!edges.has(from)) edges.set(from, new Set());
        edges.get(from)?.add(to);
      }
    }
    const cycles: string[] = [];
    const visit = (part: string, path: string[]) => {
      if (path.includes(part)) {
        cycles.push([...path.slice(path.indexOf(part)), part].join(' -> '));
        return;
      }
      for (const next of edges.get(part) ?? []) visit(next, [...path, part]);
    };
    for (const part of edges.keys()) visit(part, []);
    expect(cycles).toEqual([]);
  });
});
