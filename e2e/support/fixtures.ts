// Playwright fixtures: one running app per worker, Stripe's origins routed to the emulator
// (refused instead when the app names the emulator's own origin, as offline),
// and a watcher (page-watch.ts) on every test.
import { test as base, expect } from '@playwright/test';
import { refuseStripeOrigins, routeStripeToEmulator } from '../../test-support/stripe-routing';
import { readTestModeAppPort } from '../../test-support/stripe-test-mode';
import { startApp, type RunningApp, type StripeMode, type TestModeKeys } from './app-process';
import { watchContext } from './page-watch';

export interface AppOptions {
  /** "emulated": the local emulator behind Stripe's origins; "test": real Stripe test mode. */
  stripeMode: StripeMode;
}

interface WorkerFixtures extends AppOptions {
  /** Which origins the emulated app's CSP names (see startApp); a spec may pick 'local'. */
  emulatorOrigins: 'stripe' | 'local';
  /** The app in test mode against an emulator of its own (STRIPE_API_URL) instead of its in-process one; see startApp. */
  standaloneEmulator: boolean;
  /** Null only for the test-mode project without Stripe keys, whose tests are then skipped. */
  runningApp: RunningApp | null;
}

interface TestFixtures {
  app: RunningApp;
  /** Card numbers typed during the test; the watcher searches for each of them. */
  typedCardNumbers: Set<string>;
  /** Violations a test provokes on purpose (the wrong-CSP tests); empty everywhere else. */
  expectedCspViolations: RegExp[];
  /** Whether the test pays with a card (default); a test of pages that take none (the seller sign-in) sets false. */
  paysByCard: boolean;
  watch: void;
}

/** Hosts the browser reaches for Checkout, Stripe.js and 3-D Secure; in emulated mode all of them are the emulator. */
export { STRIPE_ORIGINS } from '../../test-support/stripe-routing';

export const TEST_MODE_SKIP_MESSAGE =
  'Stripe test mode not configured: set STRIPE_SECRET_KEY=sk_test_…, STRIPE_PUBLISHABLE_KEY=pk_test_… and ' +
  'STRIPE_WEBHOOK_SECRET=whsec_… (from `stripe listen --forward-to https://localhost:4242/webhooks/stripe`; another port with E2E_APP_PORT) ' +
  'to run this project against Stripe (e2e/README.md, "Against real Stripe").';

/** The keys for the "stripe-test-mode" project, or undefined when they are not all set to test-mode values. */
export function readTestModeKeys(env: Record<string, string | undefined> = process.env): TestModeKeys | undefined {
  const secretKey = env.STRIPE_SECRET_KEY ?? '';
  const publishableKey = env.STRIPE_PUBLISHABLE_KEY ?? '';
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET ?? '';
  if (!secretKey.startsWith('sk_test_') || !publishableKey.startsWith('pk_test_') || !webhookSecret.startsWith('whsec_')) return undefined;
  return { secretKey, publishableKey, webhookSecret };
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  stripeMode: ['emulated', { scope: 'worker', option: true }],
  emulatorOrigins: ['stripe', { scope: 'worker', option: true }],
  standaloneEmulator: [false, { scope: 'worker', option: true }],

  runningApp: [
    async ({ stripeMode, emulatorOrigins, standaloneEmulator }, use) => {
      const keys = stripeMode === 'test' ? readTestModeKeys() : undefined;
      if (stripeMode === 'test' && !keys) {
        console.warn(`[stripe-test-mode] skipped. ${TEST_MODE_SKIP_MESSAGE}`);
        await use(null);
        return;
      }
      const testModePort = keys ? readTestModeAppPort(process.env) : undefined;
      const app = await startApp(stripeMode, { keys, emulatorOrigins, testModePort, standaloneEmulator });
      await use(app);
      await app.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],

  // The one place a test may skip: the real-Stripe project without its keys. The emulated
  // project always has an app, so it never skips.
  app: async ({ runningApp }, use, testInfo) => {
    if (!runningApp) {
      testInfo.skip(true, TEST_MODE_SKIP_MESSAGE);
      return;
    }
    await use(runningApp);
  },

  baseURL: async ({ app }, use) => {
    await use(app.baseURL);
  },

  context: async ({ context, app, emulatorOrigins, standaloneEmulator }, use) => {
    const emulatorOrigin = app.emulatorOrigin;
    if (emulatorOrigin && emulatorOrigins === 'stripe' && !standaloneEmulator) await routeStripeToEmulator(context, emulatorOrigin);
    else if (emulatorOrigin) await refuseStripeOrigins(context);
    await use(context);
  },

  // Playwright requires the destructuring pattern even when a fixture needs nothing.
  // eslint-disable-next-line no-empty-pattern
  typedCardNumbers: async ({}, use) => {
    await use(new Set<string>());
  },

  expectedCspViolations: [[], { option: true }],
  paysByCard: [true, { option: true }],

  watch: [
    async ({ context, app, typedCardNumbers, expectedCspViolations, paysByCard }, use, testInfo) => {
      const watcher = await watchContext(context, app);
      await use();
      const passed = testInfo.status === testInfo.expectedStatus;
      if (!passed) await testInfo.attach('server.log', { path: app.logFile, contentType: 'text/plain' }).catch(() => undefined);
      await watcher.expectClean({ typedCardNumbers, passed, expectedCspViolations, paysByCard });
    },
    { auto: true },
  ],
});

export { expect };
