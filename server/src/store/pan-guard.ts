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
 * uses one (space, dash, dot, slash, NBSP), sometimes two or three ("4242  4242",
 * "4242 - 4242", "4242\", \"4242" between JSON array items); four or more is where unrelated
 * numbers in a line stand apart (`1733000000000, "x": 2000` has letters anyway). Letters never
 * join digits, so Stripe's base-62 ids (`pi_3Q...`) and ISO times (`...01T14:31...Z`) stay apart.
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
  let units = percentDecode(jsonUnescape(text));
  for (let pass = 1; pass < 3; pass++) {
    const again = percentDecode(units);
    if (again.length === units.length) break;
    units = again;
  }
  const kinds: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const unit of units) {
    for (const kind of unitKinds(unit.text)) {
      kinds.push(kind);
      starts.push(unit.start);
      ends.push(unit.end);
    }
  }
  return { kinds: Int8Array.from(kinds), starts: Int32Array.from(starts), ends: Int32Array.from(ends) };
}

/** One decoded character and the span of the original text it stands for. */
interface Unit {
  text: string;
  start: number;
  end: number;
}

function jsonUnescape(text: string): Unit[] {
  const units: Unit[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '\\') {
      const simple = JSON_ESCAPES[text[i + 1] ?? ''];
      if (simple !== undefined) {
        units.push({ text: simple, start: i, end: i + 2 });
        i += 2;
        continue;
      }
      if (text[i + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
        units.push({ text: String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16)), start: i, end: i + 6 });
        i += 6;
        continue;
      }
    }
    const codePoint = text.codePointAt(i) ?? 0;
    const width = codePoint > 0xffff ? 2 : 1;
    units.push({ text: text.slice(i, i + width), start: i, end: i + width });
    i += width;
  }
  return joinSurrogates(units);
}

/** `\ud835\udfd2` decodes to two halves; join them into the one character they spell. */
function joinSurrogates(units: Unit[]): Unit[] {
  const joined: Unit[] = [];
  for (const unit of units) {
    const previous = joined.at(-1);
    const low = unit.text.length === 1 ? unit.text.charCodeAt(0) : 0;
    const high = previous?.text.length === 1 ? previous.text.charCodeAt(0) : 0;
    if (previous && low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff) {
      joined[joined.length - 1] = { text: previous.text + unit.text, start: previous.start, end: unit.end };
    } else {
      joined.push(unit);
    }
  }
  return joined;
}

function hexByte(units: Unit[], at: number): number | undefined {
  if (units[at]?.text !== '%') return undefined;
  const high = units[at + 1]?.text;
  const low = units[at + 2]?.text;
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
function percentDecode(units: Unit[]): Unit[] {
  const decoded: Unit[] = [];
  let i = 0;
  while (i < units.length) {
    const lead = hexByte(units, i);
    const length = lead === undefined ? 0 : utf8Length(lead);
    if (lead !== undefined && length > 0) {
      const bytes = [lead];
      for (let k = 1; k < length; k++) {
        const next = hexByte(units, i + 3 * k);
        if (next === undefined || next < 0x80 || next > 0xbf) break;
        bytes.push(next);
      }
      const character = bytes.length === length ? decodeUtf8(bytes) : undefined;
      if (character !== undefined) {
        decoded.push({ text: character, start: units[i]!.start, end: units[i + 3 * length - 1]!.end });
        i += 3 * length;
        continue;
      }
    }
    decoded.push(units[i]!);
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
  // Prefix sums of each digit as is and doubled (Luhn's "minus 9"), split by position parity:
  // the Luhn sum of any range is then four subtractions.
  const plain = [new Int32Array(total + 1), new Int32Array(total + 1)];
  const doubled = [new Int32Array(total + 1), new Int32Array(total + 1)];
  for (let k = 0; k < total; k++) {
    const value = values[k]!;
    for (const parity of [0, 1]) {
      const own = (k & 1) === parity;
      plain[parity]![k + 1] = plain[parity]![k]! + (own ? value : 0);
      doubled[parity]![k + 1] = doubled[parity]![k]! + (own ? (value * 2 > 9 ? value * 2 - 9 : value * 2) : 0);
    }
  }
  // In a range [a, b) the last digit (b - 1) is kept and every second one leftwards doubled.
  const luhnValid = (a: number, b: number) => {
    const kept = (b - 1) & 1;
    const sum = plain[kept]![b]! - plain[kept]![a]! + doubled[1 - kept]![b]! - doubled[1 - kept]![a]!;
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
