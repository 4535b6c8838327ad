import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PanGuardError, assertNoPan, containsPanLike, findPanLikeRuns, isLuhnValid } from '../src/store/pan-guard';

/** Digits of a Luhn-valid number of the given length. */
const luhnValidPan = fc.integer({ min: 13, max: 19 }).chain((length) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length - 1, maxLength: length - 1 }).map((body) => {
    for (let check = 0; check <= 9; check++) {
      const digits = [...body, check].join('');
      if (isLuhnValid(digits)) return digits;
    }
    throw new Error('unreachable: one check digit always fits');
  }),
);

/** The same digits as people type them: plain, in groups of four, with spaces or dashes. */
const formatted = (digits: string) =>
  fc.constantFrom('', ' ', '-').map((separator) => (separator === '' ? digits : digits.match(/.{1,4}/g)!.join(separator)));

/** Text around a number that cannot extend the digit run. */
const surrounding = fc.string({ maxLength: 20 }).map((s) => s.replace(/[\d -]/g, 'x'));

describe('PAN guard', () => {
  it('knows the Stripe test cards are Luhn-valid and a typo is not', () => {
    expect(isLuhnValid('4242424242424242')).toBe(true);
    expect(isLuhnValid('4000000000000002')).toBe(true);
    expect(isLuhnValid('4242424242424241')).toBe(false);
  });

  it('finds any Luhn-valid 13-19 digit number, with or without spaces or dashes, anywhere in text', () => {
    fc.assert(
      fc.property(luhnValidPan.chain((pan) => fc.tuple(formatted(pan), surrounding, surrounding)), ([pan, before, after]) => {
        expect(containsPanLike(`${before}${pan}${after}`)).toBe(true);
        expect(() => assertNoPan({ note: `${before}${pan}${after}` })).toThrow(PanGuardError);
      }),
    );
  });

  it('finds a PAN glued to other digits in a long run', () => {
    fc.assert(
      fc.property(luhnValidPan, fc.stringMatching(/^\d{7,12}$/), fc.boolean(), (pan, extra, before) => {
        expect(containsPanLike(before ? `${extra}${pan}` : `${pan}${extra}`)).toBe(true);
      }),
    );
  });

  it('finds a spaced PAN next to other spaced numbers', () => {
    fc.assert(
      fc.property(luhnValidPan.chain((pan) => formatted(pan)), fc.stringMatching(/^\d{1,4}$/), (pan, quantity) => {
        fc.pre(/[ -]/.test(pan));
        const separator = pan.includes('-') ? '-' : ' ';
        expect(containsPanLike(`qty ${quantity}${separator}${pan}${separator}${quantity}`)).toBe(true);
      }),
    );
  });

  it('lets through Luhn-invalid numbers of 13-19 digits standing alone', () => {
    fc.assert(
      fc.property(luhnValidPan, surrounding, (pan, before) => {
        const last = Number(pan.at(-1));
        const invalid = `${pan.slice(0, -1)}${(last + 1) % 10}`;
        expect(containsPanLike(`${before}${invalid}`)).toBe(false);
      }),
    );
  });

  it('finds PANs stored as numbers', () => {
    expect(containsPanLike(4242424242424242)).toBe(true);
  });

  it('lets through text with no run of 13 or more digits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.stringMatching(/^\d{0,12}$/), fc.stringMatching(/^[a-z_.:]{1,5}$/))), (parts) => {
        const text = parts.join('x');
        expect(findPanLikeRuns(text)).toEqual([]);
        expect(() => assertNoPan({ text })).not.toThrow();
      }),
    );
  });

  it('lets through a lone Luhn-invalid 16-digit number, order ids and amounts', () => {
    expect(containsPanLike('4242 4242 4242 4241')).toBe(false);
    expect(containsPanLike('ord_qwertyuiopasdfghjklz')).toBe(false);
    expect(containsPanLike(123456)).toBe(false);
    expect(containsPanLike(null)).toBe(false);
  });

  it('names the column it refused', () => {
    expect(() => assertNoPan({ id: 'ord_x', card_brand: '4242424242424242' })).toThrow(/column "card_brand"/);
  });
});
