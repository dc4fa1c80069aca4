import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, runCarReaper } from '../../helpers/cli.js';

beforeAll(() => buildCli());

describe('car-reaper with bad input', () => {
  it('an unknown command prints the usage and exits 2', async () => {
    const result = await runCarReaper(['reaps']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: unknown command 'reaps'");
    expect(result.stderr).toContain('Usage: car-reaper [options] [command]');
  });

  it('an unknown flag prints the usage of its command and exits 2', async () => {
    const result = await runCarReaper(['reap', '--dryrun']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: unknown option '--dryrun'");
    expect(result.stderr).toContain('Usage: car-reaper reap [options]');
  });

  it('a malformed number names its flag and exits 2', async () => {
    const result = await runCarReaper(['reap', '--idle-timeout', '5m']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("option '--idle-timeout <seconds>' argument '5m' is invalid");
  });

  it('a malformed CAR_QUOTA_RPS is named, exit 1', async () => {
    const result = await runCarReaper(['reap', '--json'], { CAR_QUOTA_RPS: 'lots' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('CAR_QUOTA_RPS: must be an integer >= 1, got "lots"');
    expect(result.stdout).toBe('');
  });

  it('an unreachable DYNAMODB_ENDPOINT is named, exit 1', async () => {
    const result = await runCarReaper(['touch', 'u1'], { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot reach DynamoDB at http://127.0.0.1:9');
    // Only the message: no AWS SDK warning about the Node version after it.
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
  });

  it('touch with no user id prints the usage, exit 2', async () => {
    const result = await runCarReaper(['touch']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: missing argument 'userId...'");
    expect(result.stderr).toContain('Usage: car-reaper touch [options] [userId...]');
  });

  it('--help shows an example and exits 0', async () => {
    const result = await runCarReaper(['destroy', '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Example:\n  $ car-reaper destroy');
  });
});
