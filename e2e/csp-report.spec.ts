// PCI DSS 11.6.1 in the browser: a payment page served with an injected inline script (as a
// compromised CDN or proxy might serve it) has the script blocked by our CSP, the browser's
// violation report reaches our report store, and `npm run monitor` raises it.
import { spawnSync } from 'node:child_process';
import { readCspReportsSince } from '../server/src/store/csp-report-store';
import { REPO_ROOT, tsxNodeArgs } from '../test-support/tsx-node';
import { expect, test } from './support/fixtures';

test.use({ expectedCspViolations: [/script-src-elem blocked inline|Executing inline script violates|Refused to execute inline script/] });

test('an injected inline script is blocked, reported to our store and raised by the monitor', async ({ page, app }, testInfo) => {
  await page.route(`${app.baseURL}/`, async (route) => {
    const response = await route.fetch();
    const tampered = (await response.text()).replace('</head>', '<script>document.title = "skimmed"</script></head>');
    await route.fulfill({ response, body: tampered });
  });
  await page.goto('/');
  await expect(page.getByTestId('product-card').first()).toBeVisible();
  await expect(page).not.toHaveTitle('skimmed');

  await expect
    .poll(
      async () =>
        (await readCspReportsSince({ engine: 'sqlite', file: app.databaseFile }, 0)).map(
          (report) => `${new URL(report.documentUrl).pathname} ${report.directive} ${report.blockedUrl}`,
        ),
      { timeout: 30_000 },
    )
    .toContain('/ script-src-elem inline');

  const baseline = testInfo.outputPath('monitor-baseline.json');
  const monitor = (...extra: string[]) =>
    spawnSync(process.execPath, [...tsxNodeArgs('scripts/monitor/cli.ts'), app.baseURL, '--page', '/', '--baseline', baseline, ...extra], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
  expect(monitor('--approve').status).toBe(0);
  const check = monitor('--csp-reports', app.databaseFile, '--since', '1h');
  expect(check.status, check.stderr).toBe(1);
  expect(check.stdout).toMatch(/"level":50.*CSP violation on https:\/\/localhost:\d+\/: script-src-elem blocked inline/);
});
