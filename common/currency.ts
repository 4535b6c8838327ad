// Money in Stripe's terms: every amount is an integer in the currency's minor unit, and how
// many digits that unit has is Stripe's rule, not Intl's (https://docs.stripe.com/currencies#minor-units).
// Pure and dependency-free: the client bundle, the server and the emulator's pages all use it.

/** Stripe's zero-decimal currencies: an amount of 500 JPY is 500, not 50000. https://docs.stripe.com/currencies#zero-decimal */
export const ZERO_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(
  'bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf'.split(' '),
);

/**
 * Stripe's three-decimal currencies, whose amounts must end in 0 for Stripe's partners.
 * https://docs.stripe.com/currencies#three-decimal
 */
export const THREE_DECIMAL_CURRENCIES: ReadonlySet<string> = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/**
 * Digits of the minor unit as Stripe counts them: 0 for zero-decimal currencies, 3 for the
 * three-decimal ones, 2 for every other. (Intl's CLDR data disagrees for some, e.g. ISK,
 * which Stripe takes in two decimals, so Intl's count is never used for amounts.)
 */
export function minorUnitDigits(currency: string): 0 | 2 | 3 {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.has(code)) return 0;
  if (THREE_DECIMAL_CURRENCIES.has(code)) return 3;
  return 2;
}

/**
 * Stripe's minimum charge, in minor units, for the currencies whose minimum Stripe lists
 * (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe applies it
 * after converting to the account's settlement currency, so for a listed currency settled in
 * itself this is the floor; for any other currency the floor depends on the account.
 */
export const MINIMUM_CHARGE_AMOUNTS: Readonly<Record<string, number>> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  jpy: 50,
  aud: 50,
  cad: 50,
  chf: 50,
  nzd: 50,
  sgd: 50,
  dkk: 250,
  nok: 300,
  sek: 300,
  pln: 200,
  hkd: 400,
  mxn: 1000,
};

/** Stripe's largest amount: eight digits in the minor unit ($999,999.99). */
export const MAXIMUM_CHARGE_AMOUNT = 99_999_999;

/**
 * Formats an amount given in the currency's minor unit, e.g. (1800, 'usd') → "$18.00" and
 * (1800, 'jpy') → "¥1,800". The one formatter of the shop, its pages and the emulator's pages.
 * `locale` undefined means the reader's (browser's or process's) locale.
 */
export function formatAmount(minor: number, currency: string, locale?: string): string {
  const digits = minorUnitDigits(currency);
  const major = minor / 10 ** digits;
  try {
    const code = currency.toUpperCase();
    const fallback = new Intl.NumberFormat(locale, { style: 'currency', currency: code }).resolvedOptions();
    // Show Stripe's digits at most (1050 ISK minor units is ISK 10.5, not ISK 11), and never
    // more decimals than the currency is written with.
    return new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: code,
      minimumFractionDigits: Math.min(fallback.minimumFractionDigits ?? digits, digits),
      maximumFractionDigits: digits,
    }).format(major);
  } catch {
    // A code Intl cannot format (malformed): still show the right number.
    return `${major.toFixed(digits)} ${currency.toUpperCase()}`;
  }
}
