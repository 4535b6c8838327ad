// Display formatting for cards. Pure functions, no DOM. (Money: formatAmount in common/currency.ts.)

// Stripe's `card.brand` values. https://docs.stripe.com/api/payment_methods/object#payment_method_object-card-brand
const BRAND_NAMES: Record<string, string> = {
  amex: 'American Express',
  cartes_bancaires: 'Cartes Bancaires',
  diners: 'Diners Club',
  discover: 'Discover',
  eftpos_au: 'eftpos Australia',
  interac: 'Interac',
  jcb: 'JCB',
  link: 'Link',
  mastercard: 'Mastercard',
  unionpay: 'UnionPay',
  visa: 'Visa',
};

export function formatBrand(brand: string): string {
  const known = BRAND_NAMES[brand.toLowerCase()];
  if (known) return known;
  const words = brand.split(/[_\s-]+/).filter(Boolean);
  return words.length === 0 ? 'Card' : words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(' ');
}

/** MM/YY, as printed on the card. */
export function formatExpiry(expMonth: number, expYear: number): string {
  return `${String(expMonth).padStart(2, '0')}/${String(expYear % 100).padStart(2, '0')}`;
}

/** "Paid: Visa •••• 4242, expires 12/34" */
export function describePaidCard(card: { brand: string; last4: string; expMonth: number; expYear: number }): string {
  return `Paid: ${formatBrand(card.brand)} •••• ${card.last4}, expires ${formatExpiry(card.expMonth, card.expYear)}`;
}
