// Recording the contract fixtures from the answers of a Stripe account (test mode): for each
// answer the app reads, the JSON types of the fields it reads, never a value.
import type Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../server/src/payments/stripe-client';
import { collectAnswers, type ContractDriver } from '../../test-support/stripe-contract/answers';
import { ANSWER_NAMES, CONTRACT_DIR, observeShape, readFixture, writeFixture } from '../../test-support/stripe-contract/contract';
import type { StripeAnswerName } from '../../server/src/payments/stripe-fields-read';

export interface RecordOptions {
  /** The fixtures' folder; the committed one by default. */
  dir?: string;
  /** YYYY-MM-DD, written into each fixture's `source`. */
  date: string;
  log: (line: string) => void;
}

export interface RecordSummary {
  recorded: StripeAnswerName[];
  /** Answers the account had none of (an event type no customer caused yet): their fixture is unchanged. */
  kept: StripeAnswerName[];
}

export async function recordContract(stripe: Stripe, driver: ContractDriver, options: RecordOptions): Promise<RecordSummary> {
  const dir = options.dir ?? CONTRACT_DIR;
  const answers = await collectAnswers(stripe, driver);
  // Events only a customer on Stripe's page causes (a paid Checkout Session): the account's newest of each, if any.
  for (const name of ANSWER_NAMES.filter((candidate) => candidate.startsWith('event:') && !answers[candidate])) {
    const page = await stripe.events.list({ type: name.slice('event:'.length), limit: 1 });
    if (page.data.length > 0) answers[name] = page.data;
  }
  const summary: RecordSummary = { recorded: [], kept: [] };
  for (const name of ANSWER_NAMES) {
    const got = answers[name] ?? [];
    const earlier = readFixture(name, dir);
    if (got.length === 0) {
      options.log(`not recorded: ${name} (no such answer in this account yet); its fixture keeps "${earlier.source}"`);
      summary.kept.push(name);
      continue;
    }
    const { fields, unobserved } = observeShape(name, got);
    for (const field of unobserved) fields[field] = earlier.fields[field] ?? [];
    // A field seen only in the states reached (a session's intent, null while unpaid) keeps the
    // types of the states not reached too, those its unreached fields below it stand for.
    for (const field of Object.keys(fields)) {
      if (unobserved.some((below) => below.startsWith(`${field}.`) || below.startsWith(`${field}[].`)))
        fields[field] = [...new Set([...(fields[field] ?? []), ...(earlier.fields[field] ?? [])])];
    }
    const source = `Stripe test mode, ${options.date}, API version ${STRIPE_API_VERSION}`;
    writeFixture(name, { source, fields, ...(unobserved.length ? { unobserved } : {}) }, dir);
    options.log(`recorded ${name}${unobserved.length ? ` (${unobserved.length} fields not reached: their earlier types kept)` : ''}`);
    summary.recorded.push(name);
  }
  return summary;
}
