// The PAN guard: the last line of defence that keeps card numbers out of our database.
//
// Our server never needs a card number (hosted Checkout collects it on Stripe's page), so
// any Luhn-valid run of 13-19 digits in a value we are about to store is a bug upstream.
// PCI DSS 3.4 treats a stored PAN as in scope; refusing the write keeps us out of scope.
// https://www.pcisecuritystandards.org/document_library/

const MIN_PAN_DIGITS = 13;
const MAX_PAN_DIGITS = 19;

// A run of digits that may be grouped with single spaces or dashes ("4242 4242 ..." or
// "4242-4242-...").
const DIGIT_RUN = /\d(?:[ -]?\d)*/g;

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
 * Whether a run holds a PAN. A typed PAN's separators fall between its digit groups, so
 * every span of whole groups with 13-19 digits is checked ("Qty 2 4242 4242 4242 4242"
 * still matches). A group longer than 19 digits is checked window by window, so a PAN
 * glued to other digits is found too. A lone 16-digit number that fails Luhn passes.
 */
function runContainsPan(run: string): boolean {
  const groups = run.split(/[ -]/);
  for (let first = 0; first < groups.length; first++) {
    let digits = '';
    for (let last = first; last < groups.length && digits.length < MAX_PAN_DIGITS; last++) {
      digits += groups[last];
      if (digits.length >= MIN_PAN_DIGITS && digits.length <= MAX_PAN_DIGITS && isLuhnValid(digits)) return true;
    }
  }
  return groups.some((group) => group.length > MAX_PAN_DIGITS && windowContainsPan(group));
}

function windowContainsPan(digits: string): boolean {
  for (let length = MIN_PAN_DIGITS; length <= MAX_PAN_DIGITS; length++) {
    for (let start = 0; start + length <= digits.length; start++) {
      if (isLuhnValid(digits.slice(start, start + length))) return true;
    }
  }
  return false;
}

/** Each run of text (digits with optional separators) that holds a PAN-like number. */
export function findPanLikeRuns(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(DIGIT_RUN)) {
    if (match[0].replace(/[ -]/g, '').length >= MIN_PAN_DIGITS && runContainsPan(match[0])) found.push(match[0]);
  }
  return found;
}

export function containsPanLike(value: unknown): boolean {
  if (typeof value === 'string') return findPanLikeRuns(value).length > 0;
  if (typeof value === 'number' || typeof value === 'bigint') return findPanLikeRuns(String(value)).length > 0;
  return false;
}

export class PanGuardError extends Error {
  constructor(readonly column: string) {
    super(`Refused to store a value that looks like a card number (column "${column}"). Card numbers must never reach this server.`);
    this.name = 'PanGuardError';
  }
}

/** Throws before a write whose values contain a PAN-like digit run. */
export function assertNoPan(values: Record<string, unknown>): void {
  for (const [column, value] of Object.entries(values)) {
    if (containsPanLike(value)) throw new PanGuardError(column);
  }
}
