// `npm run test:contract`: records the contract fixtures (test-support/stripe-contract) from
// Stripe's test mode. It makes the app's calls (test-support/stripe-contract/answers.ts) with a
// test key and writes, for each answer, the JSON types of the fields the app reads: shapes,
// never values. Commit the changed fixtures; `npm test` then holds the emulator to them.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStripeClient } from '../../server/src/payments/stripe-client';
import type { ContractDriver } from '../../test-support/stripe-contract/answers';
import { recordContract } from './record-contract';

function testKey(): string {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const key = process.env['STRIPE_SECRET_KEY'] ?? '';
  if (/^(sk|rk)_live_/.test(key))
    throw new Error(
      'STRIPE_SECRET_KEY is a live key: the contract check creates payments, so it takes a test key (sk_test_… or rk_test_…) only.',
    );
  if (!/^(sk|rk)_test_\w+$/.test(key))
    throw new Error(
      'The contract check records from Stripe test mode: set STRIPE_SECRET_KEY to a test-mode secret key (sk_test_…, or rk_test_… with the permissions docs/deploy.md lists plus Refunds: Write) in .env or the environment. Get one at https://dashboard.stripe.com/test/apikeys.',
    );
  return key;
}

const STRIPE_DRIVER: ContractDriver = {
  // Stripe's hosted page needs a browser: those answers come from earlier events (below).
  payCheckoutSession: async () => false,
  eventually: async (check) => {
    for (let attempt = 0; attempt < 30; attempt += 1) {
      const found = await check();
      if (found !== undefined) return found;
      await sleep(2_000);
    }
    throw new Error('Stripe did not show the expected object within a minute');
  },
};

async function record(): Promise<void> {
  const stripe = createStripeClient({ secretKey: testKey() });
  await recordContract(stripe, STRIPE_DRIVER, { date: new Date().toISOString().slice(0, 10), log: (line) => console.log(line) });
}

record().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
