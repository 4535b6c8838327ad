// Object ids shaped like Stripe's (`cs_test_…`, `pi_…`): tests and logs read like real ones,
// and nothing in them derives from customer data.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type IdPrefix = 'cs_test' | 'pi' | 'ch' | 'pm' | 'evt' | 'req' | 'li' | 'price' | 'prod' | 'whsec';

export function createId(prefix: IdPrefix, length = 24): string {
  const bytes = randomBytes(length);
  let suffix = '';
  for (const byte of bytes) suffix += ALPHABET[byte % ALPHABET.length];
  return `${prefix}_${suffix}`;
}
