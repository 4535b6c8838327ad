// The stripe-test-mode project's own settings: the app's port (where `stripe listen` forwards),
// the harness's patience with Stripe's rate limit, and the project's longer timeouts.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PlaywrightTestConfig } from '@playwright/test';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMIT_PROFILES } from '../../emulator/src/index';
import { startTestEmulator, type Emulator } from '../../server/test/helpers/emulator';
import {
  createHarnessStripeClient,
  DEFAULT_TEST_MODE_APP_PORT,
  HARNESS_RATE_LIMIT_RETRY,
  readTestModeAppPort,
} from '../../test-support/stripe-test-mode';
import { EMULATOR_ONLY_TAG } from '../../test-support/emulator-only';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';

/** playwright.config.ts as Playwright loads it (in a child process: scripts/ does not import the repository root). */
function loadPlaywrightConfig(): PlaywrightTestConfig {
  const file = path.join(REPO_ROOT, 'playwright.config.ts');
  const print = `const { default: config } = await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(config));`;
  const loader = tsxNodeArgs(file).slice(0, -1);
  return JSON.parse(
    execFileSync(process.execPath, [...loader, '--input-type=module', '-e', print], { encoding: 'utf8' }),
  ) as PlaywrightTestConfig;
}

describe('E2E_APP_PORT', () => {
  it('defaults to 4242, where the documented `stripe listen --forward-to` points', () => {
    expect(DEFAULT_TEST_MODE_APP_PORT).toBe(4242);
    expect(readTestModeAppPort({})).toBe(DEFAULT_TEST_MODE_APP_PORT);
    expect(readTestModeAppPort({ E2E_APP_PORT: '' })).toBe(DEFAULT_TEST_MODE_APP_PORT);
  });

  it('moves the app to another port', () => {
    expect(readTestModeAppPort({ E2E_APP_PORT: '8443' })).toBe(8443);
    expect(readTestModeAppPort({ E2E_APP_PORT: '65535' })).toBe(65535);
  });

  it.each(['0', '65536', 'abc', '42.5', '-1', ' 4242', '999999'])('refuses %j with a message saying what it must be', (value) => {
    expect(() => readTestModeAppPort({ E2E_APP_PORT: value })).toThrow(/^E2E_APP_PORT must be a TCP port from 1 to 65535 .*stripe listen/);
  });
});

describe("the harness's Stripe client under Stripe's sandbox rate limit", () => {
  // The emulator's limiter with test mode's limits on a clock that moves only when the test says.
  let now = Date.now();
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startTestEmulator({ rateLimit: 'test', clock: () => now });
  });
  afterAll(() => emulator?.close());

  /** More requests at once than a second's allowance; the clock moves a second once the excess has been refused. */
  async function burst(stripe: Stripe) {
    const allowance = RATE_LIMIT_PROFILES.test.globalPerSecond;
    const excess = 10;
    now += 60_000; // a full bucket
    const before = emulator.rateLimited();
    const refill = (async () => {
      while (emulator.rateLimited() - before < excess) await new Promise((resolve) => setTimeout(resolve, 5));
      now += 1_000;
    })();
    const results = await Promise.allSettled(Array.from({ length: allowance + excess }, () => stripe.events.list({ limit: 1 })));
    await refill;
    return {
      refused: emulator.rateLimited() - before,
      failed: results.filter((result) => result.status === 'rejected').map((result) => (result.reason as Error).constructor.name),
    };
  }

  it('waits out 429s: every request of a burst over the limit succeeds', async () => {
    const stripe = createHarnessStripeClient({ secretKey: 'sk_test_harnessClient', apiUrl: new URL(emulator.url), ca: emulator.ca });
    expect(await burst(stripe)).toEqual({ refused: 10, failed: [] });
  });

  it('(control) a client that does not wait fails the same burst with rate-limit errors', async () => {
    const stripe = createHarnessStripeClient({
      secretKey: 'sk_test_harnessClient',
      apiUrl: new URL(emulator.url),
      ca: emulator.ca,
      rateLimitRetry: { ...HARNESS_RATE_LIMIT_RETRY, retries: 0 },
    });
    expect(await burst(stripe)).toEqual({ refused: 10, failed: Array.from({ length: 10 }, () => 'StripeRateLimitError') });
  });

  it('is more patient than the app (which must answer a webhook in seconds): about a minute before it gives up', () => {
    const worst = Array.from({ length: HARNESS_RATE_LIMIT_RETRY.retries }, (_, retry) =>
      Math.min(HARNESS_RATE_LIMIT_RETRY.initialDelayMs * 2 ** retry, HARNESS_RATE_LIMIT_RETRY.maxDelayMs),
    ).reduce((sum, ms) => sum + ms, 0);
    expect(worst).toBeGreaterThanOrEqual(45_000);
  });
});

describe('playwright.config.ts', () => {
  const playwrightConfig = loadPlaywrightConfig();
  const project = (name: string) => {
    const found = playwrightConfig.projects?.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no Playwright project ${name}`);
    return found;
  };

  it('gives the stripe-test-mode project at least twice the emulated timeouts (Stripe over the internet, rate-limited)', () => {
    const emulated = project('emulated');
    const testMode = project('stripe-test-mode');
    const timeouts = (p: typeof emulated) => ({
      test: p.timeout ?? playwrightConfig.timeout ?? 0,
      expect: p.expect?.timeout ?? playwrightConfig.expect?.timeout ?? 0,
      action: p.use?.actionTimeout ?? playwrightConfig.use?.actionTimeout ?? 0,
      navigation: p.use?.navigationTimeout ?? playwrightConfig.use?.navigationTimeout ?? 0,
    });
    const base = timeouts(emulated);
    const slow = timeouts(testMode);
    for (const key of Object.keys(base) as (keyof typeof base)[]) {
      expect(base[key], key).toBeGreaterThan(0);
      expect(slow[key], key).toBeGreaterThanOrEqual(2 * base[key]);
    }
  });

  it('lists every emulated test in stripe-test-mode but those tagged emulator-only, each of those with its reason', () => {
    const emulated = listTests('emulated');
    const testMode = listTests('stripe-test-mode');
    const emulatorOnly = emulated.filter((test) => test.tags.includes(EMULATOR_ONLY_TAG.slice(1)));
    expect(emulatorOnly.length, 'some tests need the emulator').toBeGreaterThan(0);
    expect(emulatorOnly.length, 'most tests run on Stripe too').toBeLessThan(emulated.length / 2);
    expect(testMode.map((test) => test.id).sort()).toEqual(
      emulated
        .filter((test) => !emulatorOnly.includes(test))
        .map((test) => test.id)
        .sort(),
    );
    for (const test of emulatorOnly) {
      const reason = test.annotations.find((annotation) => annotation.type === 'emulator-only')?.description ?? '';
      expect(reason.length, `${test.id} says what it would need on Stripe`).toBeGreaterThan(20);
    }
  });
});

interface ListedTest {
  id: string;
  tags: string[];
  annotations: { type: string; description?: string }[];
}

/** `npx playwright test --list --project <name>` as JSON: each test by file and title path. */
function listTests(projectName: string): ListedTest[] {
  const cli = path.join(REPO_ROOT, 'node_modules', '@playwright', 'test', 'cli.js');
  const output = execFileSync(process.execPath, [cli, 'test', '--list', '--reporter=json', '--project', projectName], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 32 * 1024 * 1024,
    // Listing never starts an app; keys would only change which tests skip when run.
    env: { PATH: process.env['PATH'] ?? '' },
  });
  interface Suite {
    title: string;
    specs?: { title: string; tags: string[]; tests: { annotations: ListedTest['annotations'] }[] }[];
    suites?: Suite[];
  }
  const tests: ListedTest[] = [];
  const walk = (suite: Suite, titles: string[]) => {
    for (const spec of suite.specs ?? [])
      for (const test of spec.tests)
        tests.push({ id: [...titles, spec.title].join(' › '), tags: spec.tags, annotations: test.annotations });
    for (const child of suite.suites ?? []) walk(child, [...titles, child.title]);
  };
  for (const suite of (JSON.parse(output) as { suites: Suite[] }).suites) walk(suite, [suite.title]);
  return tests;
}
