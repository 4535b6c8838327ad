// Validation of the hosted page's card form, with the messages Stripe's Checkout shows.
// The card number lives only in the returned `CardInput`, which the payment service turns
// into brand, last4, expiry and a fingerprint and then drops.
import { isLuhnValid } from './test-cards';

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface CardFormValues {
  email: string;
  billingName: string;
  billingPostalCode: string | null;
}

export type CardFormResult =
  { ok: true; card: CardInput; values: CardFormValues } | { ok: false; field: CardFormField; message: string; values: CardFormValues };

export type CardFormField = 'email' | 'cardNumber' | 'cardExpiry' | 'cardCvc' | 'billingName';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Reads the posted form; `presetEmail` is the session's `customer_email`, which wins. */
export function parseCardForm(body: unknown, presetEmail: string | null, now: Date): CardFormResult {
  const field = (name: string): string => readField(body, name).trim();
  const values: CardFormValues = {
    email: presetEmail ?? field('email'),
    billingName: field('billingName'),
    billingPostalCode: field('billingPostalCode') || null,
  };
  const refuse = (name: CardFormField, message: string): CardFormResult => ({ ok: false, field: name, message, values });

  if (!values.email) return refuse('email', 'Your email is incomplete.');
  if (!EMAIL.test(values.email) || values.email.length > 512) return refuse('email', 'Your email is invalid.');

  const number = field('cardNumber').replace(/[\s-]/g, '');
  if (!number) return refuse('cardNumber', 'Your card number is incomplete.');
  if (!/^\d+$/.test(number) || !isLuhnValid(number)) return refuse('cardNumber', 'Your card number is invalid.');

  const expiry = parseExpiry(field('cardExpiry'));
  if (!expiry) return refuse('cardExpiry', "Your card's expiration date is incomplete.");
  const thisYear = now.getUTCFullYear();
  const thisMonth = now.getUTCMonth() + 1;
  if (expiry.year < thisYear) return refuse('cardExpiry', "Your card's expiration year is in the past.");
  if (expiry.year === thisYear && expiry.month < thisMonth) return refuse('cardExpiry', "Your card's expiration date is in the past.");
  if (expiry.year > thisYear + 50) return refuse('cardExpiry', "Your card's expiration year is invalid.");

  const cvc = field('cardCvc');
  const cvcLength = /^3[47]/.test(number) ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(cvc)) return refuse('cardCvc', "Your card's security code is incomplete.");

  if (!values.billingName) return refuse('billingName', 'Your name is incomplete.');
  if (values.billingName.length > 200) return refuse('billingName', 'Your name is too long.');

  return { ok: true, card: { number, expMonth: expiry.month, expYear: expiry.year, cvc }, values };
}

function readField(body: unknown, name: string): string {
  if (typeof body !== 'object' || body === null) return '';
  const value: unknown = Reflect.get(body, name);
  return typeof value === 'string' ? value.slice(0, 1000) : '';
}

/** Accepts `MM / YY` (what Stripe's field shows), `MM/YY`, `MMYY` and `MM/YYYY`. */
function parseExpiry(value: string): { month: number; year: number } | undefined {
  const match = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(value.replace(/\s+/g, ' '));
  if (!match?.[1] || !match[2]) return undefined;
  const month = Number(match[1]);
  if (month < 1 || month > 12) return undefined;
  const year = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  return { month, year };
}
