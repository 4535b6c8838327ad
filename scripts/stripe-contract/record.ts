// `npm run test:contract`: records the contract fixtures (test-support/stripe-contract) from
// Stripe's test mode. It makes the app's calls (test-support/stripe-contract/answers.ts) with a
// test key and writes, for each answer, the JSON types of the fields the app reads: shapes,
// never values. Commit the changed fixtures; `npm test` then holds the emulator to them.
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createStripeClient, STRIPE_API_VERSION } from '../../server/src/payments/stripe-client';
import type { StripeAnswerName } from '../../server/src/payments/stripe-fields-read';
import { collectAnswers, type ContractDriver } from '../../test-support/stripe-contract/answers';
import { ANSWER_NAMES, fixturePath, observeShape, readFixture, writeFixture } from '../../test-support/stripe-contract/contract';

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
  const answers = await collectAnswers(stripe, STRIPE_DRIVER);
  // Events only a customer on Stripe's page causes (a paid Checkout Session): the account's newest of each, if any.
  for (const name of ANSWER_NAMES.filter((candidate) => candidate.startsWith('event:') && !answers[candidate])) {
    const page = await stripe.events.list({ type: name.slice('event:'.length), limit: 1 });
    if (page.data.length > 0) answers[name] = page.data;
  }
  const date = new Date().toISOString().slice(0, 10);
  for (const name of ANSWER_NAMES) {
    const got = answers[name] ?? [];
    if (got.length === 0) {
      console.warn(`not recorded: ${name} (no such answer in this account yet); ${fixturePath(name)} keeps "${readFixture(name).source}"`);
      continue;
    }
    const { fields, unobserved } = observeShape(name as StripeAnswerName, got);
    const earlier = readFixture(name).fields;
    for (const field of unobserved) fields[field] = earlier[field] ?? [];
    writeFixture(name, {
      source: `Stripe test mode, ${date}, API version ${STRIPE_API_VERSION}`,
      fields,
      ...(unobserved.length ? { unobserved } : {}),
    });
    console.log(`recorded ${name}${unobserved.length ? ` (${unobserved.length} fields not reached: kept)` : ''}`);
  }
}

record().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
