// Object ids shaped like Stripe's (`cs_test_…`, `pi_…`): tests and logs read like real ones,
// and nothing in them derives from customer data.
import { createRandomBytesPool } from '../../common/random-bytes-pool';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type IdPrefix =
  | 'cs_test'
  | 'pi'
  | 'ch'
  | 'pm'
  | 'evt'
  | 'req'
  | 'li'
  | 'price'
  | 'prod'
  | 'whsec'
  | 're'
  | 'dp'
  | 'tds'
  | 'we'
  | 'acct'
  | 'txn'
  | 'tr'
  | 'trr'
  | 'fee'
  | 'fr'
  | 'ca'
  // Account Session client secrets read `accs_secret__…`.
  | 'accs_secret_';

export function createId(prefix: IdPrefix, length = 24): string {
  return `${prefix}_${randomSuffix(length)}`;
}

const takeRandomBytes = createRandomBytesPool(4096);

function randomSuffix(length: number): string {
  let suffix = '';
  for (const byte of takeRandomBytes(length)) suffix += ALPHABET[byte % ALPHABET.length];
  return suffix;
}

/** `<id>_secret_<random>`: Stripe's client secret shape, checked by the publishable-key endpoints. */
export function createClientSecret(objectId: string): string {
  return `${objectId}_secret_${randomSuffix(24)}`;
}
