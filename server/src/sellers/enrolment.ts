// Adding a seller: a row, and a one-time link to enrol a passkey with (no e-mail is sent: the
// operator passes the link on). The link carries the token in its fragment-free query; the
// database keeps its hash, when it expires and when it was used.
import { z } from 'zod';
import { SELLER_ENROL_ROUTE } from '../../../common/pages';
import type { Seller, SellerStore } from '../store/seller-store';
import { hashSecret, newSecret } from './secrets';

export interface EnrolmentLink {
  seller: Seller;
  url: string;
  expiresAt: number;
}

const EMAIL = z.email({ error: 'Give the seller an e-mail address, such as maker@example.com.' }).max(254);

/** Lower-cased and trimmed; a string result is the problem to report. */
export function parseSellerEmail(value: string): string | { error: string } {
  const result = EMAIL.safeParse(value.trim().toLowerCase());
  return result.success ? result.data : { error: result.error.issues[0]?.message ?? 'invalid e-mail address' };
}

/** A new seller with a one-time enrolment link at PUBLIC_URL, valid for `linkMs`. */
export async function addSeller(
  store: SellerStore,
  options: { email: string; publicUrl: string; linkMs: number; now?: number },
): Promise<EnrolmentLink> {
  const now = options.now ?? Date.now();
  const seller = await store.createSeller(options.email, now);
  const token = newSecret();
  const expiresAt = now + options.linkMs;
  await store.addEnrolmentToken(seller.id, hashSecret(token), expiresAt, now);
  const url = new URL(SELLER_ENROL_ROUTE, options.publicUrl);
  url.searchParams.set('token', token);
  return { seller, url: url.toString(), expiresAt };
}
