import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../../src/local/dynamodb-local.js';

const environOf = (pid: number): Record<string, string> =>
  Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );

describe('startDynamoDbLocal', () => {
  let started: DynamoDbLocal | undefined;
  afterEach(async () => {
    await started?.stop();
    started = undefined;
  });

  it('runs the JVM with its options and telemetry off, leaving this process environment as it was', async () => {
    const before = { ...process.env };
    started = await startDynamoDbLocal({ jvmOptions: ['-XX:+UseSerialGC', '-Xmx300m'] });
    const environ = environOf(started.pid as number);
    expect(environ.JDK_JAVA_OPTIONS?.split(' ').slice(0, 2)).toEqual([
      '-XX:+UseSerialGC',
      '-Xmx300m',
    ]);
    expect(environ.DDB_LOCAL_TELEMETRY).toBe('0');
    expect(process.env).toEqual(before);
  });

  it('fails with the JVM error when an option is not one the JVM knows', async () => {
    await expect(startDynamoDbLocal({ jvmOptions: ['-XX:+NoSuchCarReaperFlag'] })).rejects.toThrow(
      /DynamoDB Local exited .*NoSuchCarReaperFlag/s,
    );
  });
});
