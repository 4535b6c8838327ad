// `npm run lab -- verify`, run by `npm test`: a lab started as `npm run lab` starts it (server/src/main.ts
// with LAB_MODE=true, its own process, the fixture build in place of Vite's), every attack run with its
// control off (it must succeed) and on (it must fail). And main.ts wires the switches in lab mode only.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAB_API_PATH, LAB_CONTROL_NAMES } from '../../common/lab';
import { LAB_PAGE_ROUTES } from '../../common/pages';
import { LAB_ATTACKS } from '../lab/attacks/index';
import { launchLab, type LaunchedLab } from '../lab/launch';
import { request } from '../lab/target';
import { formatVerifyTable, verifyLab, type VerifyRow } from '../lab/verify';
import { launchApp, spawnScript } from '../../test-support/app-launcher';
import { fixtureClientDir } from '../../test-support/fixture-client';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';

describe('npm run lab -- verify', () => {
  let lab: LaunchedLab;
  let rows: VerifyRow[];
  beforeAll(async () => {
    lab = await launchLab({ clientDistDir: fixtureClientDir() });
    rows = await verifyLab(lab.target, LAB_ATTACKS);
  }, 180_000);
  afterAll(async () => {
    await lab.app.stop();
    lab.app.remove();
  });

  it('shows every attack succeeding with its control off and failing with it on', () => {
    expect(
      rows.filter((row) => !row.ok),
      formatVerifyTable(rows),
    ).toEqual([]);
    expect(rows.map((row) => `${row.attack}/${row.label}`)).toEqual(
      LAB_ATTACKS.flatMap((attack) => attack.cases.map((attackCase) => `${attack.name}/${attackCase.label}`)),
    );
  });

  it('covers every control, and leaves every control on afterwards', async () => {
    expect(new Set(rows.map((row) => row.control))).toEqual(new Set(LAB_CONTROL_NAMES));
    const state = JSON.parse((await request(lab.target, 'GET', LAB_API_PATH)).body.toString('utf8')) as unknown;
    expect(state).toEqual({ controls: LAB_CONTROL_NAMES.map((name) => ({ name, on: true })) });
  });

  it('walks lab 1 in Chromium: the skimmer reaches the attacker without the CSP; with it, it is blocked, reported, stored', () => {
    const skimmer = rows.find((row) => row.attack === 'skimmer');
    expect(skimmer?.off.observed.join('\n')).toMatch(
      /the collector at https:\/\/127\.0\.0\.1:\d+ received \d+ request\(s\) from the .*skimmer: .*4242 4242 4242 4242/,
    );
    expect(skimmer?.on.observed.join('\n')).toMatch(/received nothing/);
    expect(skimmer?.on.observed.join('\n')).toMatch(/CSP reports stored for it: .*script-src-elem (inline|https:\/\/127\.0\.0\.1:\d+)/);
  });

  it('npm run monitor -- --csp-reports raises the skimmer the CSP blocked', async () => {
    const caFile = path.join(lab.app.dir, 'ca.pem');
    writeFileSync(caFile, lab.target.ca);
    const monitor = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          ...tsxNodeArgs('scripts/monitor/cli.ts'),
          lab.target.url,
          '--page',
          '/',
          '--baseline',
          path.join(lab.app.dir, 'baseline.json'),
          '--ca',
          caFile,
          ...args,
        ],
        { cwd: REPO_ROOT, encoding: 'utf8' },
      );
    expect(monitor('--approve').status).toBe(0);
    const raised = monitor('--csp-reports', `file:${lab.target.sqliteFile}`, '--since', '1h');
    expect(raised.status, raised.stderr).toBe(1);
    expect(raised.stdout).toMatch(/CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked https:\/\/127\.0\.0\.1:\d+/);
    expect(raised.stdout).toMatch(/CSP violation on https:\/\/localhost:\d+\/payment: script-src-elem blocked inline/);
  }, 60_000);

  it('prints a table with one line per case and both sides', () => {
    const table = formatVerifyTable(rows).split('\n');
    for (const row of rows) {
      expect(table.some((line) => line.startsWith(row.attack) && line.includes(row.control) && line.endsWith('ok'))).toBe(true);
    }
  });
});

describe('the server process outside lab mode', () => {
  it('creates no switches: the lab page and its API are 404s in emulated mode', async () => {
    const app = await launchApp({ clientDistDir: fixtureClientDir() });
    try {
      const target = { url: app.url, ca: app.ca, logFile: app.logFile, sqliteFile: app.sqliteFile(), webhookSecret: '' };
      for (const route of LAB_PAGE_ROUTES) expect((await request(target, 'GET', route)).status).toBe(404);
      expect((await request(target, 'GET', LAB_API_PATH)).status).toBe(404);
      expect((await request(target, 'PUT', `${LAB_API_PATH}/csp`, { json: { on: false } })).status).toBe(404);
    } finally {
      await app.stop();
      app.remove();
    }
  }, 60_000);

  it('refuses to start in lab mode with Stripe keys, saying what to unset', async () => {
    const child = spawnScript({
      script: 'server/src/main.ts',
      env: {
        LAB_MODE: 'true',
        STRIPE_SECRET_KEY: 'sk_test_51labREFUSED',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_51labREFUSED',
        STRIPE_WEBHOOK_SECRET: 'whsec_labrefused12345678',
        PORT: '0',
        HTTP_PORT: '0',
      },
    });
    try {
      expect((await child.exited).code).toBe(1);
      expect(child.output()).toContain('LAB_MODE=true lets the lab panel switch security controls off, so it never runs with Stripe keys');
    } finally {
      child.remove();
    }
  }, 60_000);
});
