// The PAN detector: one definition of "a card number in this text", used by the store's
// write guard (refuses), the CSP report store (masks), the log scrubber (masks) and the
// audit's at-rest scan (reports).
//
// Our server never needs a card number (Stripe's pages and iframes collect it), so any
// Luhn-valid run of 13-19 digits in a value we store or log is a bug upstream or someone
// probing us. PCI DSS 3.4 treats a stored PAN as in scope; keeping it out keeps us out.
// https://www.pcisecuritystandards.org/document_library/
//
// People and attackers write numbers in many forms, so the text is normalised before digits
// are looked for, and every normalised character remembers the span of the original text it
// came from (so a match can be masked where it stands):
//   1. JSON escapes are decoded (`\t`, `\u00a0`, ...): log lines are JSON, and a tab typed
//      between digit groups reaches the scrubber as backslash + t.
//   2. Percent-escapes are decoded, up to three times (`%20`, `%2B`, `%2520`, and UTF-8
//      sequences such as `%EF%BC%94`): URLs keep a path's spaces and non-ASCII digits encoded.
//   3. Each character is put in Unicode NFKC form (full-width `４`, mathematical `𝟒`,
//      superscript `⁴` become `4`), and any other decimal digit (Arabic-Indic `٤`, Devanagari
//      `४`, which NFKC leaves alone) is read as its value.
// `+` needs no decoding: as a space in a query string or as itself it is a separator.

const MIN_PAN_DIGITS = 13;
const MAX_PAN_DIGITS = 19;

/**
 * Digit groups join across at most this many non-alphanumeric characters. A typed number
 * uses one (space, dash, dot, slash, NBSP, a decoded `%20`), sometimes two or three
 * ("4242  4242", "4242 - 4242", `"4242","4242"` as JSON array items). Each character more
 * joins more numbers that merely sit near each other in a line (lists, tables), and every
 * extra span is one more chance in ten of a Luhn-valid false alarm. Letters never join
 * digits, so Stripe's base-62 ids (`pi_3Q...`), `"time":…,"amount":…` and ISO times
 * (`...01T14:31...Z`) stay apart.
 */
const MAX_SEPARATOR = 3;

/** Characters that keep digit groups apart: letters and numbers that are not decimal digits. */
const ALPHANUMERIC = /^[\p{L}\p{N}]$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;

const LETTER = 10;
const SEPARATOR = 11;

/** A card number found in a text: where it stands in the original text, and its digits. */
export interface PanMatch {
  /** Offsets in the original text (UTF-16 code units), end exclusive. */
  start: number;
  end: number;
  digits: string;
}

export interface FindPansOptions {
  /** Narrows what counts (the audit skips numbers no issuer uses); default every Luhn-valid run. */
  accept?: (digits: string) => boolean;
}

/** True when the Luhn checksum of the digit string is valid. */
export function isLuhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * The normalised text as one kind per character: a digit's value (0-9), LETTER or
 * SEPARATOR; and where each came from in the original (null when the text needed no
 * normalising, so positions are the same).
 */
interface Normalised {
  kinds: Int8Array;
  starts: Int32Array | null;
  ends: Int32Array | null;
}

function asciiKind(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return LETTER;
  return SEPARATOR;
}

/** Fast path: plain ASCII without `%` or `\` (most log lines) needs no decoding. */
function needsDecoding(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 127 || code === 37 || code === 92) return true;
  }
  return false;
}

const JSON_ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A quick, generous look at the raw text, to skip the decoding and the search in text (most
 * log lines) where no 13-digit chain can appear however it decodes. It counts every character
 * that could become a digit: an ASCII digit, a `%` or `\u` escape and any hexadecimal letters
 * after it, and a non-ASCII character as three (NFKC turns `⅒` into "1⁄10"). Only ASCII
 * punctuation and JSON's one-character escapes count towards a gap, since each decodes to
 * exactly one separator; an ASCII letter outside an escape ends the chain, as it will after
 * decoding. So it never says no where the search would say yes.
 */
function mayHoldPan(text: string): boolean {
  let chain = 0;
  let gap = 0;
  let inEscape = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    let possibleDigits = 0;
    if (code >= 128) {
      possibleDigits = 3;
      inEscape = false;
    } else if (code >= 48 && code <= 57) {
      possibleDigits = 1;
    } else if (code === 37 /* % */) {
      possibleDigits = 1;
      inEscape = true;
    } else if (code === 92 /* \ */) {
      const next = text[i + 1] ?? '';
      inEscape = next === 'u';
      if (inEscape) possibleDigits = 1;
      if (inEscape || JSON_ESCAPES[next] !== undefined) i++;
    } else if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) {
      const hex = (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
      if (inEscape && hex) {
        possibleDigits = 1;
      } else {
        chain = 0;
        gap = 0;
        inEscape = false;
        continue;
      }
    } else {
      inEscape = false;
    }
    if (possibleDigits > 0) {
      chain += possibleDigits;
      gap = 0;
      if (chain >= MIN_PAN_DIGITS) return true;
    } else if (++gap > MAX_SEPARATOR) {
      chain = 0;
    }
  }
  return false;
}

function normalise(text: string): Normalised | undefined {
  if (!mayHoldPan(text)) return undefined;
  if (!needsDecoding(text)) {
    const kinds = new Int8Array(text.length);
    for (let i = 0; i < text.length; i++) kinds[i] = asciiKind(text.charCodeAt(i));
    return { kinds, starts: null, ends: null };
  }
  let units = jsonUnescape(text);
  for (let pass = 0; pass < 3 && units.texts.includes('%'); pass++) {
    const decoded = percentDecode(units);
    if (decoded.texts.length === units.texts.length) break;
    units = decoded;
  }
  const kinds: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (let u = 0; u < units.texts.length; u++) {
    for (const kind of unitKinds(units.texts[u]!)) {
      kinds.push(kind);
      starts.push(units.starts[u]!);
      ends.push(units.ends[u]!);
    }
  }
  return { kinds: Int8Array.from(kinds), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** Decoded characters, each with the span of the original text it stands for (parallel arrays: no object per character). */
interface Units {
  texts: string[];
  starts: number[];
  ends: number[];
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Decodes JSON escapes; `\ud835\udfd2` (two escaped halves) becomes the one character they spell. */
function jsonUnescape(text: string): Units {
  const units: Units = { texts: [], starts: [], ends: [] };
  const push = (character: string, start: number, end: number) => {
    units.texts.push(character);
    units.starts.push(start);
    units.ends.push(end);
  };
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 92 /* \ */) {
      const simple = JSON_ESCAPES[text[i + 1] ?? ''];
      if (simple !== undefined) {
        push(simple, i, i + 2);
        i += 2;
        continue;
      }
      if (text[i + 1] === 'u' && HEX4.test(text.slice(i + 2, i + 6))) {
        const unit = parseInt(text.slice(i + 2, i + 6), 16);
        const low = text.startsWith('\\u', i + 6) && HEX4.test(text.slice(i + 8, i + 12)) ? parseInt(text.slice(i + 8, i + 12), 16) : 0;
        if (isHighSurrogate(unit) && isLowSurrogate(low)) {
          push(String.fromCharCode(unit, low), i, i + 12);
          i += 12;
        } else {
          push(String.fromCharCode(unit), i, i + 6);
          i += 6;
        }
        continue;
      }
    }
    const width = isHighSurrogate(code) && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
    push(width === 1 ? text[i]! : text.slice(i, i + 2), i, i + width);
    i += width;
  }
  return units;
}

function hexByte(texts: string[], at: number): number | undefined {
  if (texts[at] !== '%') return undefined;
  const high = texts[at + 1];
  const low = texts[at + 2];
  if (!high || !low || !/^[0-9a-fA-F]$/.test(high) || !/^[0-9a-fA-F]$/.test(low)) return undefined;
  return parseInt(high + low, 16);
}

/** Length of the UTF-8 sequence a lead byte starts; 0 for a byte that cannot lead. */
function utf8Length(byte: number): number {
  if (byte < 0x80) return 1;
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  return 0;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** One pass of percent-decoding; an escape that is not valid UTF-8 stays as it is. */
function percentDecode({ texts, starts, ends }: Units): Units {
  const decoded: Units = { texts: [], starts: [], ends: [] };
  let i = 0;
  while (i < texts.length) {
    const lead = hexByte(texts, i);
    const length = lead === undefined ? 0 : utf8Length(lead);
    if (lead !== undefined && length > 0) {
      const bytes = [lead];
      for (let k = 1; k < length; k++) {
        const next = hexByte(texts, i + 3 * k);
        if (next === undefined || next < 0x80 || next > 0xbf) break;
        bytes.push(next);
      }
      const character = bytes.length === length ? decodeUtf8(bytes) : undefined;
      if (character !== undefined) {
        decoded.texts.push(character);
        decoded.starts.push(starts[i]!);
        decoded.ends.push(ends[i + 3 * length - 1]!);
        i += 3 * length;
        continue;
      }
    }
    decoded.texts.push(texts[i]!);
    decoded.starts.push(starts[i]!);
    decoded.ends.push(ends[i]!);
    i++;
  }
  return decoded;
}

function decodeUtf8(bytes: number[]): string | undefined {
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return undefined;
  }
}

const kindCache = new Map<string, number[]>();

function unitKinds(text: string): number[] {
  if (text.length === 1 && text.charCodeAt(0) < 128) return [asciiKind(text.charCodeAt(0))];
  let kinds = kindCache.get(text);
  if (!kinds) {
    kinds = [...text.normalize('NFKC')].map(characterKind);
    if (kindCache.size < 10_000) kindCache.set(text, kinds);
  }
  return kinds;
}

function characterKind(character: string): number {
  const code = character.codePointAt(0) ?? 0;
  if (code < 128) return asciiKind(code);
  if (DECIMAL_DIGIT.test(character)) return decimalDigitValue(code);
  return ALPHANUMERIC.test(character) ? LETTER : SEPARATOR;
}

/**
 * Unicode encodes every set of decimal digits as ten consecutive code points, zero first
 * (https://www.unicode.org/versions/latest/core-spec/chapter-4/#G134153), and adjacent
 * sets are whole tens: the distance from the start of the run of digits is the value.
 */
function decimalDigitValue(code: number): number {
  let first = code;
  while (code - first < 90 && DECIMAL_DIGIT.test(String.fromCodePoint(first - 1))) first--;
  return (code - first) % 10;
}

/**
 * Candidates in one chain of digit groups (digits joined by short separators), as ranges of
 * the chain's digits. A typed PAN's separators fall between its groups, so every span of
 * whole groups with 13-19 digits is checked ("Qty 2 4242 4242 4242 4242" still matches); a
 * group longer than 19 digits is checked window by window, so a PAN glued to other digits is
 * found too. A lone 16-digit number that fails Luhn passes.
 */
function chainCandidates(values: number[], groupStarts: number[], accept: FindPansOptions['accept']): [number, number][] {
  const total = values.length;
  // Prefix sums of each digit as is and doubled (Luhn's "minus 9"), by position parity: the
  // Luhn sum of any range is then four subtractions, whatever its length.
  const plainEven = new Int32Array(total + 1);
  const plainOdd = new Int32Array(total + 1);
  const doubledEven = new Int32Array(total + 1);
  const doubledOdd = new Int32Array(total + 1);
  for (let k = 0; k < total; k++) {
    const value = values[k]!;
    const twice = value > 4 ? value * 2 - 9 : value * 2;
    const odd = (k & 1) === 1;
    plainEven[k + 1] = plainEven[k]! + (odd ? 0 : value);
    plainOdd[k + 1] = plainOdd[k]! + (odd ? value : 0);
    doubledEven[k + 1] = doubledEven[k]! + (odd ? 0 : twice);
    doubledOdd[k + 1] = doubledOdd[k]! + (odd ? twice : 0);
  }
  // In a range [a, b) the last digit (b - 1) is kept and every second one leftwards doubled.
  const luhnValid = (a: number, b: number) => {
    const sum =
      ((b - 1) & 1) === 1
        ? plainOdd[b]! - plainOdd[a]! + doubledEven[b]! - doubledEven[a]!
        : plainEven[b]! - plainEven[a]! + doubledOdd[b]! - doubledOdd[a]!;
    return sum % 10 === 0;
  };
  const digitsOf = (a: number, b: number) => values.slice(a, b).join('');
  const candidates: [number, number][] = [];
  const consider = (a: number, b: number) => {
    if (luhnValid(a, b) && (!accept || accept(digitsOf(a, b)))) candidates.push([a, b]);
  };
  const bounds = [...groupStarts, total];
  for (let first = 0; first < groupStarts.length; first++) {
    for (let last = first + 1; last < bounds.length; last++) {
      const length = bounds[last]! - bounds[first]!;
      if (length > MAX_PAN_DIGITS) break;
      if (length >= MIN_PAN_DIGITS) consider(bounds[first]!, bounds[last]!);
    }
    const groupLength = bounds[first + 1]! - bounds[first]!;
    if (groupLength > MAX_PAN_DIGITS) {
      for (let a = bounds[first]!; a + MIN_PAN_DIGITS <= bounds[first + 1]!; a++) {
        for (let length = MIN_PAN_DIGITS; length <= MAX_PAN_DIGITS && a + length <= bounds[first + 1]!; length++) consider(a, a + length);
      }
    }
  }
  return candidates;
}

/** Overlapping candidates are one finding: "2 4242 4242 4242 4242" is masked as a whole. */
function mergeRanges(ranges: [number, number][]): [number, number][] {
  const sorted = [...ranges].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: [number, number][] = [];
  for (const range of sorted) {
    const previous = merged.at(-1);
    if (previous && range[0] < previous[1]) previous[1] = Math.max(previous[1], range[1]);
    else merged.push([range[0], range[1]]);
  }
  return merged;
}

/** A finding, with the normalised positions of its digits (for masking). */
interface Finding extends PanMatch {
  positions: number[];
}

function findInNormalised(normalised: Normalised | undefined, options: FindPansOptions): Finding[] {
  const findings: Finding[] = [];
  if (!normalised) return findings;
  const { kinds, starts, ends } = normalised;
  const n = kinds.length;
  let values: number[] = [];
  let positions: number[] = [];
  let groupStarts: number[] = [];
  const closeChain = () => {
    if (values.length >= MIN_PAN_DIGITS) {
      for (const [a, b] of mergeRanges(chainCandidates(values, groupStarts, options.accept))) {
        const at = positions.slice(a, b);
        findings.push({
          start: starts ? starts[at[0]!]! : at[0]!,
          end: ends ? ends[at.at(-1)!]! : at.at(-1)! + 1,
          digits: values.slice(a, b).join(''),
          positions: at,
        });
      }
    }
    values = [];
    positions = [];
    groupStarts = [];
  };
  let i = 0;
  while (i < n) {
    if (kinds[i]! >= LETTER) {
      i++;
      continue;
    }
    groupStarts.push(values.length);
    while (i < n && kinds[i]! < LETTER) {
      values.push(kinds[i]!);
      positions.push(i);
      i++;
    }
    let gap = 0;
    while (i + gap < n && kinds[i + gap] === SEPARATOR && gap <= MAX_SEPARATOR) gap++;
    const joins = gap > 0 && gap <= MAX_SEPARATOR && i + gap < n && kinds[i + gap]! < LETTER;
    if (joins) i += gap;
    else closeChain();
  }
  closeChain();
  return findings;
}

/** Each card number in the text, with its place in the original text and its digits. */
export function findPans(text: string, options: FindPansOptions = {}): PanMatch[] {
  return findInNormalised(normalise(text), options).map(({ start, end, digits }) => ({ start, end, digits }));
}

export function containsPan(value: unknown): boolean {
  if (typeof value === 'string') return findPans(value).length > 0;
  if (typeof value === 'number' || typeof value === 'bigint') return findPans(String(value)).length > 0;
  return false;
}

/** Digits kept visible: the last four, as on a receipt (PCI DSS 3.4.1 allows at most BIN and last four). */
const VISIBLE_DIGITS = 4;
export const MASK_CHARACTER = '*';

/**
 * The text with every card number's digits replaced by `*` except its last four, separators
 * and everything around it unchanged ("4242.4242.4242.4242" → "****.****.****.4242"). A digit
 * written as `%34`, `４` or `\u0034` is replaced as a whole. Repeated until nothing is found,
 * so what is left cannot add up to a number again.
 */
export function maskPans(text: string): string {
  let masked = text;
  for (;;) {
    const normalised = normalise(masked);
    const findings = findInNormalised(normalised, {});
    if (findings.length === 0) return masked;
    const spans: [number, number][] = [];
    for (const { positions } of findings) {
      for (const position of positions.slice(0, -VISIBLE_DIGITS)) {
        spans.push(normalised?.starts ? [normalised.starts[position]!, normalised.ends![position]!] : [position, position + 1]);
      }
    }
    let out = '';
    let at = 0;
    for (const [start, end] of mergeRanges(spans)) {
      out += masked.slice(at, start) + MASK_CHARACTER;
      at = end;
    }
    masked = out + masked.slice(at);
  }
}

export class PanGuardError extends Error {
  constructor(readonly column: string) {
    super(`Refused to store a value that looks like a card number (column "${column}"). Card numbers must never reach this server.`);
    this.name = 'PanGuardError';
  }
}

/** Throws before a write whose values contain a card number. */
export function assertNoPan(values: Record<string, unknown>): void {
  for (const [column, value] of Object.entries(values)) {
    if (containsPan(value)) throw new PanGuardError(column);
  }
}
