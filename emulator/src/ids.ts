// Object ids shaped like Stripe's (`cs_test_…`, `pi_…`): tests and logs read like real ones,
// and nothing in them derives from customer data.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type IdPrefix =
  'cs_test' | 'pi' | 'ch' | 'pm' | 'evt' | 'req' | 'li' | 'price' | 'prod' | 'whsec' | 're' | 'dp' | 'tds' | 'we' | 'acct' | 'txn';

export function createId(prefix: IdPrefix, length = 24): string {
  return `${prefix}_${randomSuffix(length)}`;
}

// Random bytes drawn a few kilobytes at a time: one call into the CSPRNG per id (several per
// payment) cost more than the rest of making the id.
const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomSuffix(length: number): string {
  if (poolOffset + length > pool.length) {
    pool = randomBytes(Math.max(POOL_SIZE, length));
    poolOffset = 0;
  }
  let suffix = '';
  for (let i = poolOffset; i < poolOffset + length; i += 1) suffix += ALPHABET[(pool[i] ?? 0) % ALPHABET.length];
  // Each byte serves one id only.
  poolOffset += length;
  return suffix;
}

/** `<id>_secret_<random>`: Stripe's client secret shape, checked by the publishable-key endpoints. */
export function createClientSecret(objectId: string): string {
  return `${objectId}_secret_${randomSuffix(24)}`;
}
