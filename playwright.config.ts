// End-to-end suite: the production build and the real server in a real Chromium.
// `npm run test:e2e` builds the client first. See test-support/browser.ts for which Chromium is used.
//
// Two projects run the same spec: "emulated" (always; Stripe's origins routed to the local
// emulator) and "stripe-test-mode" (only with STRIPE_SECRET_KEY=sk_test_…, otherwise skipped
// with a message saying what to set).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './test-support/browser';
import { EMULATOR_ONLY_TAG } from './test-support/emulator-only';
import type { AppOptions } from './e2e/support/fixtures';

export default defineConfig<AppOptions>({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // Each test walks a full checkout; the server and the emulator are shared per worker.
  timeout: 90_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  // Two cores: one browser at a time keeps timings stable while the Vitest suite may run too.
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  outputDir: 'test-results',
  use: {
    headless: true,
    // The app and the emulator serve certificates from the development CA; Node-side calls in
    // the fixtures trust that CA explicitly.
    ignoreHTTPSErrors: true,
    actionTimeout: 15_000,
    navigationTimeout: 20_000,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'emulated', use: { stripeMode: 'emulated' }, testIgnore: 'audit.spec.ts' },
    {
      name: 'stripe-test-mode',
      // Stripe's pages load from the internet, its API is rate-limited (the harness's own calls
      // wait out 429s for up to a minute) and its webhooks arrive through `stripe listen`: the
      // same steps take several times as long as against the emulator on loopback.
      timeout: 240_000,
      expect: { timeout: 45_000 },
      use: { stripeMode: 'test', actionTimeout: 45_000, navigationTimeout: 60_000 },
      testIgnore: 'audit.spec.ts',
      // What needs a control only the emulator has is left out, each with its reason (test-support/emulator-only.ts).
      grepInvert: new RegExp(EMULATOR_ONLY_TAG),
    },
    // `npm run audit` against an app of its own (issue: the audit is part of `npm test`).
    { name: 'audit', testMatch: 'audit.spec.ts' },
  ],
});
