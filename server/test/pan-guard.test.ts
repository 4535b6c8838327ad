import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MASK_CHARACTER, PanGuardError, assertNoPan, containsPan, findPans, isLuhnValid, maskPans } from '../src/store/pan-guard';

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

/** The same digits with the check digit off by one: never Luhn-valid. */
const notLuhn = (pan: string) => `${pan.slice(0, -1)}${(Number(pan.at(-1)) + 1) % 10}`;

/** How one digit can be written: each renders the digit 0-9 as text. */
type DigitForm = (digit: number) => string;
const DIGIT_FORMS: Record<string, DigitForm> = {
  ascii: (d) => String(d),
  fullWidth: (d) => String.fromCodePoint(0xff10 + d),
  mathematicalBold: (d) => String.fromCodePoint(0x1d7ce + d),
  superscript: (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[d]!,
  arabicIndic: (d) => String.fromCodePoint(0x0660 + d),
  devanagari: (d) => String.fromCodePoint(0x0966 + d),
  percentEncoded: (d) => `%3${d}`,
  percentEncodedFullWidth: (d) => encodeURIComponent(String.fromCodePoint(0xff10 + d)),
  doublePercentEncoded: (d) => `%253${d}`,
  jsonEscaped: (d) => `\\u003${d}`,
};
const digitForm = fc.constantFrom(...Object.values(DIGIT_FORMS));

/** A character that is not a letter or number, before or after NFKC, and starts no escape. */
const isPlainSeparator = (character: string) =>
  !/[\p{L}\p{N}%\\]/u.test(character) && character.normalize('NFKC').length === 1 && !/[\p{L}\p{N}%\\]/u.test(character.normalize('NFKC'));
const PUNCTUATION_RANGES: [number, number][] = [
  [0x00, 0x2f],
  [0x3a, 0x40],
  [0x5b, 0x60],
  [0x7b, 0xbf],
  [0x2000, 0x206f],
  [0x2190, 0x21ff],
  [0x3000, 0x303f],
  [0xfe30, 0xfe4f],
  [0xff01, 0xff0f],
];
const randomSeparatorCharacter = fc
  .oneof(...PUNCTUATION_RANGES.map(([min, max]) => fc.integer({ min, max })))
  .map((code) => String.fromCodePoint(code))
  .filter(isPlainSeparator);

/** What people and attackers put between digit groups: at most three characters once decoded. */
const LISTED_SEPARATORS = [
  ' ',
  '-',
  '.',
  '_',
  '/',
  '+',
  '\t',
  '  ',
  '\u00a0',
  ' - ',
  '%20',
  '%2B',
  '%2520',
  '+%20+',
  '\\t',
  '\\u00a0',
  '\u3000',
];
const separator = fc.oneof(
  fc.constantFrom(...LISTED_SEPARATORS),
  fc.array(randomSeparatorCharacter, { minLength: 1, maxLength: 3 }).map((chars) => chars.join('')),
);

/** Group sizes that add up to `length` (each 1-6 digits). */
const grouping = (length: number) =>
  fc.array(fc.integer({ min: 1, max: 6 }), { minLength: length, maxLength: length }).map((sizes) => {
    const groups: number[] = [];
    let left = length;
    for (const size of sizes) {
      if (left === 0) break;
      groups.push(Math.min(size, left));
      left -= Math.min(size, left);
    }
    return groups;
  });

/** Renders digits in groups; `shown` decides per digit index whether it is written or masked. */
function render(
  digits: string,
  groups: number[],
  separators: string[],
  form: DigitForm,
  shown: (index: number) => boolean = () => true,
): string {
  let out = '';
  let index = 0;
  groups.forEach((size, g) => {
    if (g > 0) out += separators[(g - 1) % separators.length];
    for (let k = 0; k < size; k++, index++) out += shown(index) ? form(Number(digits[index])) : MASK_CHARACTER;
  });
  return out;
}

/** A number written some way: its digits, groups, separators and digit form. */
const written = (digits: fc.Arbitrary<string>) =>
  digits.chain((pan) =>
    fc.record({
      pan: fc.constant(pan),
      groups: grouping(pan.length),
      separators: fc.array(separator, { minLength: 1, maxLength: 4 }),
      form: digitForm,
    }),
  );

/** Text around a number that cannot extend it: letters and single spaces. */
const surrounding = fc.stringMatching(/^(?:[A-Za-z]{1,8} ?){0,3}$/).map((text) => text.replace(/ $/, ''));

describe('PAN detector', () => {
  it('knows the Stripe test cards are Luhn-valid and a typo is not', () => {
    expect(isLuhnValid('4242424242424242')).toBe(true);
    expect(isLuhnValid('4000000000000002')).toBe(true);
    expect(isLuhnValid('4242424242424241')).toBe(false);
  });

  it('finds a Luhn-valid 13-19 digit number in any grouping, separators of up to three characters, encodings and digit forms, where it stands', () => {
    fc.assert(
      fc.property(written(luhnValidPan), surrounding, surrounding, ({ pan, groups, separators, form }, before, after) => {
        const number = render(pan, groups, separators, form);
        const text = `${before} ${number} ${after}`;
        const found = findPans(text);
        expect(found).toEqual([{ start: before.length + 1, end: before.length + 1 + number.length, digits: pan }]);
        expect(containsPan(text)).toBe(true);
        expect(() => assertNoPan({ note: text })).toThrow(PanGuardError);
      }),
      { numRuns: 500 },
    );
  });

  it('masks every digit but the last four where it stands, in its own form, leaving the rest of the text as it was', () => {
    fc.assert(
      fc.property(written(luhnValidPan), surrounding, surrounding, ({ pan, groups, separators, form }, before, after) => {
        const text = `${before} ${render(pan, groups, separators, form)} ${after}`;
        const expected = `${before} ${render(pan, groups, separators, form, (index) => index >= pan.length - 4)} ${after}`;
        expect(maskPans(text)).toBe(expected);
        expect(containsPan(maskPans(text))).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('finds the listed forms the security review stored: . _ / + tab, two spaces, NBSP, %20, full-width digits', () => {
    const pan = '4000056655665556';
    const groups = pan.match(/.{4}/g)!;
    const fullWidth = groups.map((group) => render(group, [4], [''], DIGIT_FORMS.fullWidth!)).join(' ');
    for (const text of [
      ...['.', '_', '/', '+', '\t', '  ', '\u00a0', '%20'].map((s) => groups.join(s)),
      fullWidth,
      `https://evil.example/c?n=${groups.join('+')}`,
    ]) {
      expect(
        findPans(text).map((match) => match.digits),
        JSON.stringify(text),
      ).toEqual([pan]);
    }
  });

  it('finds a PAN glued to other digits in a long run, and one glued to letters', () => {
    fc.assert(
      fc.property(luhnValidPan, fc.stringMatching(/^\d{7,12}$/), fc.boolean(), (pan, extra, before) => {
        expect(containsPan(before ? `${extra}${pan}` : `${pan}${extra}`)).toBe(true);
        expect(containsPan(`pi_${pan}`)).toBe(true);
      }),
    );
  });

  it('finds a spaced PAN next to other spaced numbers, and masks the whole run', () => {
    fc.assert(
      fc.property(written(luhnValidPan), fc.stringMatching(/^\d{1,4}$/), ({ pan, groups, separators, form }, quantity) => {
        const text = `qty ${quantity} ${render(pan, groups, separators, form)} ${quantity}`;
        expect(containsPan(text)).toBe(true);
        expect(containsPan(maskPans(text))).toBe(false);
        expect(maskPans(text).slice(0, 4)).toBe('qty ');
      }),
    );
  });

  it('lets through Luhn-invalid numbers of 13-19 digits standing alone, in any form', () => {
    fc.assert(
      fc.property(luhnValidPan.map(notLuhn), digitForm, surrounding, (number, form, before) => {
        const text = `${before} ${render(number, [number.length], [''], form)}`;
        expect(findPans(text)).toEqual([]);
        expect(maskPans(text)).toBe(text);
      }),
    );
  });

  it('keeps digit groups separated by letters apart (base-62 ids), and by more than three characters', () => {
    const letters = fc.stringMatching(/^[A-Za-z]{1,3}$/);
    const longSeparator = fc
      .array(fc.oneof(randomSeparatorCharacter, fc.constant(' ')), { minLength: 4, maxLength: 8 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(luhnValidPan, fc.oneof(letters, longSeparator), digitForm, (pan, between, form) => {
        // Groups of at most six digits: no group is a card number on its own.
        const groups = pan.match(/.{1,6}/g)!.map((group) => group.length);
        const text = render(pan, groups, [between], form);
        expect(findPans(text)).toEqual([]);
        expect(maskPans(text)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('lets through text with no run of 13 or more digits', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.stringMatching(/^\d{0,12}$/), fc.stringMatching(/^[a-z_.:]{1,5}$/))), (parts) => {
        const text = parts.join('x');
        expect(findPans(text)).toEqual([]);
        expect(() => assertNoPan({ text })).not.toThrow();
      }),
    );
  });

  it('counts every digit a character expands to under NFKC (⅒ is "1⁄10")', () => {
    const pan = Array.from({ length: 10 }, (_, k) => `40000000${String(k).padStart(2, '0')}110`).find(isLuhnValid)!;
    expect(findPans(`${pan.slice(0, 10)}⅒`)).toEqual([{ start: 0, end: 11, digits: pan }]);
  });

  it('finds PANs stored as numbers', () => {
    expect(containsPan(4242424242424242)).toBe(true);
  });

  it('lets through a lone Luhn-invalid 16-digit number, order ids, amounts, JSON timestamps and ISO times', () => {
    expect(containsPan('4242 4242 4242 4241')).toBe(false);
    expect(containsPan('ord_qwertyuiopasdfghjklz')).toBe(false);
    expect(containsPan(123456)).toBe(false);
    expect(containsPan(null)).toBe(false);
    expect(containsPan('{"time":1733000000000,"amount":2000,"created":1733000000}')).toBe(false);
    expect(containsPan('2026-12-01T14:31:30.123Z')).toBe(false);
  });

  it('names the column it refused', () => {
    expect(() => assertNoPan({ id: 'ord_x', card_brand: '4242424242424242' })).toThrow(/column "card_brand"/);
  });
});
