// The one money formatter and Stripe's minor-unit rule.
import { describe, expect, it } from 'vitest';
import { THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES, formatAmount, minorUnitDigits } from '../currency';

describe('minorUnitDigits', () => {
  it('is 0 for exactly the zero-decimal currencies Stripe lists', () => {
    // https://docs.stripe.com/currencies#zero-decimal
    expect([...ZERO_DECIMAL_CURRENCIES].sort().join(' ')).toBe('bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf');
    for (const currency of ZERO_DECIMAL_CURRENCIES) expect(minorUnitDigits(currency)).toBe(0);
    for (const currency of THREE_DECIMAL_CURRENCIES) expect(minorUnitDigits(currency)).toBe(3);
    expect(minorUnitDigits('usd')).toBe(2);
    expect(minorUnitDigits('JPY')).toBe(0);
  });

  it("follows Stripe where Intl's currency data differs (ISK: two decimals at Stripe, none in CLDR)", () => {
    expect(new Intl.NumberFormat('en-US', { style: 'currency', currency: 'ISK' }).resolvedOptions().maximumFractionDigits).toBe(0);
    expect(minorUnitDigits('isk')).toBe(2);
    expect(formatAmount(1000, 'isk', 'en-US')).toBe('ISK\u00a010');
    expect(formatAmount(1050, 'isk', 'en-US')).toBe('ISK\u00a010.5');
  });
});

describe('formatAmount', () => {
  it.each([
    [1800, 'usd', '$18.00'],
    [5, 'usd', '$0.05'],
    [123456789, 'usd', '$1,234,567.89'],
    [1800, 'jpy', '¥1,800'],
    [4800, 'JPY', '¥4,800'],
    [3450, 'eur', '€34.50'],
    [30, 'gbp', '£0.30'],
    [50000, 'krw', '₩50,000'],
  ])('formats %i %s as %s (minor units in, never scaled twice)', (minor, currency, text) => {
    expect(formatAmount(minor, currency, 'en-US')).toBe(text);
  });

  it('follows the locale for symbols and separators', () => {
    expect(formatAmount(3450, 'eur', 'de-DE')).toBe('34,50\u00a0€');
  });

  it('still shows the right number for a code Intl cannot format', () => {
    expect(formatAmount(1234, 'u$d', 'en-US')).toBe('12.34 U$D');
  });
});
