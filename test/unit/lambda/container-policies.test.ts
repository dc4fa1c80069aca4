import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { lambdaContainer } from '../../../src/lambda/container.js';

const dir = mkdtempSync(join(tmpdir(), 'car-reaper-container-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Function: lambdaContainer', () => {
  it('fails the cold start on a bad policies file, naming the file and the key, and retries on the next invocation', async () => {
    const file = join(dir, 'policies.yml');
    writeFileSync(file, 'classes:\n  kiosk:\n    idleTimeoutSecs: 3600\n');
    const env = { POLICIES_FILE: file, POWERTOOLS_DEV: 'true' };
    const failed = lambdaContainer(env);
    await expect(failed).rejects.toBeInstanceOf(ConfigError);
    await expect(failed).rejects.toThrow(
      `POLICIES_FILE: ${file}: classes.kiosk.idleTimeoutSecs (line 3): unknown key`,
    );
    writeFileSync(file, 'classes:\n  kiosk:\n    idleTimeoutSeconds: 3600\n');
    const container = await lambdaContainer(env);
    expect(container.config.classes.policyOf('kiosk').idleTimeoutSeconds).toBe(3600);
  });
});
