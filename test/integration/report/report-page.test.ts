import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CarEmulator, startCarEmulator } from '../../../src/emulator/index.js';
import { stackEnv, testCredentials } from '../../helpers/car.js';
import { buildCli, repoRoot, runCarReaper } from '../../helpers/cli.js';
import { createTestTable, type TestTable } from '../../helpers/dynamo.js';

// Debian's chromium (installed by .ci/run), driven by playwright-core: no browser download.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** Kept by CI as an artefact (git-ignored). */
const screenshots = join(repoRoot, 'test-results');

let table: TestTable;
let emulator: CarEmulator;
let browser: Browser;
let page: string;

beforeAll(async () => {
  table = await createTestTable();
  emulator = await startCarEmulator({ credentials: { ...testCredentials }, seats: 500 });
  await buildCli();
  const env = {
    ...stackEnv(table, emulator.url),
    SEAT_HOUR_PRICE: '1.2',
    // Sessions idle for the timeout alone are due (no allowance for unwritten activity).
    ACTIVITY_RESOLUTION_SECONDS: '0',
  };
  const idle = Array.from({ length: 30 }, (_, i) => `page-idle-${i}`);
  await table.store.recordActivity(idle, Date.now() - 20_000);
  await table.store.recordDisconnect('page-gone', Date.now() - 5_000);
  emulator.seedSessions([...idle, 'page-gone', 'page-untracked-1', 'page-untracked-2']);
  const reap = await runCarReaper(['reap', '--idle-timeout', '10', '--json'], env);
  expect(reap.status, reap.stderr).toBe(0);
  const destroy = await runCarReaper(['destroy', 'page-gone', '--json'], env);
  expect(destroy.status, destroy.stderr).toBe(0);
  page = join(mkdtempSync(join(tmpdir(), 'car-reaper-page-')), 'report.html');
  const report = await runCarReaper(['report', '--since', '2h', '--html', page], env);
  expect(report.status, report.stderr).toBe(0);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await emulator?.stop();
  await table?.drop();
});

describe('the report page in headless Chromium', () => {
  it('renders every chart, asks the network for nothing and logs no error', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1400 } });
    const tab = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    tab.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    tab.on('pageerror', (error) => problems.push(error.message));
    tab.on('request', (request) => requests.push(request.url()));
    await tab.goto(pathToFileURL(page).href, { waitUntil: 'load' });

    const charts = await tab.locator('svg').evaluateAll((svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        return {
          label: svg.getAttribute('aria-label'),
          width: box.width,
          height: box.height,
          bars: [...svg.querySelectorAll('rect')].filter(
            (rect) => rect.getBBox().height > 0 && rect.getBBox().width > 0,
          ).length,
        };
      }),
    );
    expect(charts.map((chart) => chart.label)).toEqual([
      'Destroys per hour by reason',
      'Idle seat time per day (hours)',
      'Time to reap after becoming due (seconds)',
      'Current drift',
    ]);
    for (const chart of charts) {
      expect(chart.width, chart.label ?? '').toBeGreaterThan(100);
      expect(chart.height, chart.label ?? '').toBeGreaterThan(50);
      expect(chart.bars, chart.label ?? '').toBeGreaterThan(0);
    }
    const text = (await tab.locator('body').textContent()) ?? '';
    expect(text).toMatch(/Destroyed: 31\b/);
    expect(text).toMatch(/2 untracked/);
    expect(requests).toEqual([pathToFileURL(page).href]);
    expect(problems).toEqual([]);

    mkdirSync(screenshots, { recursive: true });
    await tab.screenshot({ path: join(screenshots, 'report-page.png'), fullPage: true });
    await context.close();
  });
});
