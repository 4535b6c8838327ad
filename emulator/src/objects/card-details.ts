/**
 * Everything the emulator keeps about a card: Stripe's allowlist of non-sensitive card
 * fields. The number itself is never part of it; `fingerprint` is a keyed hash.
 */
export interface CardDetails {
  brand: string;
  funding: string;
  country: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string;
}

export interface BillingDetailsInput {
  name: string;
  email: string;
  postalCode: string | null;
}
