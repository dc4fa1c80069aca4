import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCli, processExists, startCarReaper } from '../../helpers/cli.js';

const exec = promisify(execFile);

beforeAll(() => buildCli());

describe('car-reaper local', () => {
  it('comes up (four listening lines, reaps after warnings), takes the printed curl, and Ctrl-C leaves no JVM', async () => {
    // A small demo and a short interval keep the test within seconds. Ctrl-C
    // is sent as a terminal sends it: to every process of the job.
    const local = startCarReaper(
      ['local', '--sessions', '200', '--interval', '2'],
      {},
      {
        processGroup: true,
      },
    );
    try {
      // Generous: starting a JVM on a busy 2-core machine can take many seconds.
      const listening = await local.waitFor(/^listening on http:\/\/127\.0\.0\.1:(\d+)$/m, {
        count: 4,
        timeoutMs: 45_000,
      });
      expect(new Set(listening.map((match) => match[1])).size).toBe(4);
      const [pid] = await local.waitFor(/^DynamoDB Local \(java pid (\d+)\)$/m);
      const javaPid = Number(pid?.[1]);
      expect(processExists(javaPid)).toBe(true);

      // 20% of the demo is stale from the start, and some disconnected users are past their
      // grace: the first reap warns them and destroys nobody; reaps from 10 s on destroy
      // those who did not answer, the others stay.
      const [first] = await local.waitFor(/^reap #1: (\d+) candidates, (\d+) destroyed/m);
      expect(Number(first?.[2])).toBe(0);
      // The live line counts what the demo's clients got: warnings, answers and destroys,
      // until at least 20 of the silent half are gone.
      const [clients] = await local.waitFor(
        /^t=\d+s .*warned (\d+) {2}answered ([1-9]\d*) {2}reaped ([2-9]\d|\d{3,})\b/m,
        { timeoutMs: 60_000 },
      );
      expect(Number(clients?.[1])).toBeGreaterThanOrEqual(Number(clients?.[2]));
      // A line per tick when stdout is not a terminal, with CAR's Running count.
      await local.waitFor(/^t=\d+s .*CAR running \d+\/\d+/m);

      // The ready-to-paste curl is accepted as printed.
      const curl = local.stdout().match(/^curl -i -X POST [\s\S]*?--data-raw '[^']*'$/m)?.[0];
      expect(curl).toBeDefined();
      const { stdout } = await exec('sh', ['-c', curl ?? 'false']);
      expect(stdout).toMatch(/^HTTP\/1\.1 202/);
      // Pasted twice it is one delivery: the same answer, nothing done again.
      const repeat = await exec('sh', ['-c', curl ?? 'false']);
      expect(repeat.stdout.split('\r\n\r\n')[1]).toBe(stdout.split('\r\n\r\n')[1]);
      // So is the variant that signs with openssl when it runs.
      const resigning = local.stdout().match(/^SECRET=.*$/m)?.[0];
      const again = await exec('sh', ['-c', resigning ?? 'false']);
      expect(again.stdout).toMatch(/^HTTP\/1\.1 202/);

      // The hint for another terminal works in a checkout, where `car-reaper` is not on PATH.
      expect(local.stdout()).toMatch(/TENCENTCLOUD_SECRET_KEY=\S+ npx car-reaper status$/m);

      expect(await local.stop('SIGINT')).toBe(0);
      expect(local.stdout()).toContain(`stopped (DynamoDB Local java pid ${javaPid} ended)`);
      expect(processExists(javaPid)).toBe(false);
      // Nothing called DynamoDB Local after it stopped (no heartbeat failed, nothing logged as an error).
      expect(local.stderr()).not.toMatch(/ERROR|ECONNREFUSED/);
      // It leaves the report page of the run behind, and says where.
      const page = local
        .stdout()
        .match(/^report of this run: [\d,]+ destroyed, .* page written to (\S+\.html)$/m)?.[1];
      expect(page && existsSync(page)).toBe(true);
      expect(readFileSync(page ?? '', 'utf8')).toContain('Destroys per hour by reason');
    } finally {
      await local.stop('SIGKILL');
    }
  });
});
