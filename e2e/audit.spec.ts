// `npm run audit` against the app this suite started, as `npm test` must:
// TLS, headers (MDN Observatory, 135, its cookie test passing), CSP (CSP Evaluator), no
// cross-origin isolation, the scripts a browser loads against the approved inventory, and no
// card number at rest. Every graded page of the page list, the seller-only ones signed in with
// a seller the audit adds itself, as `npm run seller -- add` does, with the app's settings (a
// local target given no --seller-link).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, type TestInfo } from '@playwright/test';
import { GRADED_PAGES } from '../common/pages';
import { openSqliteDatabase } from '../server/src/store/database';
import { createSellerStore } from '../server/src/store/seller-store';
import { installedTlsScanners } from '../test-support/tls-scanners';
import { REPO_ROOT } from '../test-support/tsx-node';
import { startApp } from './support/app-process';

// Its own project (see playwright.config.ts): the audit drives its own browser, so this
// spec has no page of its own for the per-test page watch to check.
// Playwright requires the destructuring pattern even when a test needs no fixture.
// eslint-disable-next-line no-empty-pattern
test('npm run audit passes against the running app', async ({}, testInfo) => {
  // testssl.sh, where installed, takes minutes on a busy two-core machine (see run-audit.ts).
  test.setTimeout(420_000);
  const app = await startApp('emulated');
  try {
    await audit(app, testInfo);
  } finally {
    await app.stop();
  }
});

async function audit(app: Awaited<ReturnType<typeof startApp>>, testInfo: TestInfo): Promise<void> {
  const report = testInfo.outputPath('audit-report.json');
  const args = [
    path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
    path.join(REPO_ROOT, 'scripts', 'audit', 'cli.ts'),
    app.baseURL,
    '--http-port',
    String(app.httpPort),
    '--scan',
    app.dataDir,
    '--report',
    report,
    ...(app.emulatorOrigin ? ['--stripe-emulator', app.emulatorOrigin] : []),
  ];
  // The app's settings stand in for a developer's `.env`, and the app's own folder (no `.env`
  // there) is the working directory: the seller the audit adds goes to the app's database.
  const run = spawnSync(process.execPath, args, {
    cwd: app.dataDir,
    env: { ...process.env, ...app.env },
    encoding: 'utf8',
    timeout: 400_000,
  });
  await testInfo.attach('audit output', { body: `${run.stdout}\n${run.stderr}`, contentType: 'text/plain' });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const added = /^Added seller (audit-[a-z]+@example\.com) /m.exec(run.stdout)?.[1] ?? '';
  const database = openSqliteDatabase(app.databaseFile);
  const seller = await createSellerStore(database)
    .findSellerByEmail(added)
    .finally(() => database.close());
  expect(seller?.email, 'the seller the audit added, in the app database').toBe(added);

  const { rows } = JSON.parse(readFileSync(report, 'utf8')) as {
    rows: { check: string; target: string; verdict: string; data?: { score?: number; tests?: { name: string; result: string }[] } }[];
  };
  expect(rows.filter((row) => row.verdict === 'fail')).toEqual([]);
  // sslscan and testssl.sh ride along where Debian's packages are installed: one row each.
  const external = installedTlsScanners().map((scanner) => scanner.check);
  expect(new Set(rows.map((row) => row.check))).toEqual(
    new Set([
      'TLS versions',
      'TLS cipher suites',
      'TLS cipher order',
      'TLS certificate',
      'HSTS',
      'MDN HTTP Observatory',
      'CSP Evaluator',
      'No cross-origin isolation',
      'Scripts match the inventory',
      'No card numbers at rest',
      ...external,
    ]),
  );
  // Every graded page of the page list is graded by both graders.
  const routes = GRADED_PAGES.map((entry) => entry.route);
  const observatory = rows.filter((row) => row.check === 'MDN HTTP Observatory');
  expect(observatory.map((row) => row.target)).toEqual(routes);
  expect(rows.filter((row) => row.check === 'CSP Evaluator').map((row) => row.target)).toEqual(routes);
  // A seller-only page was graded signed in: the cookie test saw the session cookie the sign-in
  // answer set, with every flag (its +5 takes the score past 135); the other pages set none.
  const cookieResults = observatory.map((row) => ({
    target: row.target,
    cookies: row.data?.tests?.find((result) => result.name === 'cookies')?.result,
  }));
  expect(cookieResults).toEqual(
    GRADED_PAGES.map((entry) => ({
      target: entry.route,
      cookies: entry.access === 'seller' ? 'cookies-secure-with-httponly-sessions-and-samesite' : 'cookies-not-found',
    })),
  );
  for (const row of observatory) expect(row.data?.score, row.target).toBeGreaterThanOrEqual(135);
}
