import { describe, expect, it } from 'vitest';
import { describePaidCard, formatBrand, formatExpiry } from '../src/lib/format';

describe('formatBrand', () => {
  it.each([
    ['visa', 'Visa'],
    ['mastercard', 'Mastercard'],
    ['amex', 'American Express'],
    ['diners', 'Diners Club'],
    ['unionpay', 'UnionPay'],
    ['cartes_bancaires', 'Cartes Bancaires'],
    ['VISA', 'Visa'],
  ])('shows %s as %s', (brand, name) => {
    expect(formatBrand(brand)).toBe(name);
  });

  it('title-cases a brand it does not know, and never shows an empty name', () => {
    expect(formatBrand('new_network')).toBe('New Network');
    expect(formatBrand('')).toBe('Card');
  });
});

describe('formatExpiry', () => {
  it('prints MM/YY with leading zeros', () => {
    expect(formatExpiry(12, 2034)).toBe('12/34');
    expect(formatExpiry(3, 2030)).toBe('03/30');
    expect(formatExpiry(1, 2100)).toBe('01/00');
  });
});

describe('describePaidCard', () => {
  it('reads as a shopper expects', () => {
    expect(describePaidCard({ brand: 'visa', last4: '4242', expMonth: 12, expYear: 2034 })).toBe('Paid: Visa •••• 4242, expires 12/34');
  });
});
