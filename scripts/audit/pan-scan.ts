// Looks for card numbers (PANs) at rest: database files (with -wal/-shm), log files and the
// CSP-report store. A card number in any of them is a bug, since card data never reaches us.
//
// The detector is the store's (server/src/store/pan-guard.ts: decoded, NFKC-normalised,
// Luhn-valid 13-19 digit runs with short separators), narrowed to numbers whose first digit
// is an issuer prefix in use (2-6: Mastercard, Amex, Diners/JCB, Visa, Discover/UnionPay):
// that keeps millisecond timestamps, which start with 1 and are Luhn-valid one time in ten,
// from drowning real findings.
//
// A scan that reads nothing proves nothing: a path that does not exist, a database URL in
// place of a file, or no file at all is a problem the audit fails on.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { findPans } from '../../server/src/store/pan-guard';

export interface PanFinding {
  file: string;
  /** Masked: the length and last four digits only, never the number itself. */
  masked: string[];
}

export interface PanScan {
  scanned: string[];
  findings: PanFinding[];
  /** Why the scan cannot vouch for the paths it was given; empty when it read what it was asked to. */
  problems: string[];
}

const ISSUER_PREFIX = /^[2-6]/;

export const WHAT_TO_SCAN =
  'pass the SQLite database (the file or folder of DATABASE_URL=file:…, e.g. --scan data) and the log files with --scan; ' +
  'a PostgreSQL database cannot be read as files: scan a dump of it (pg_dump --data-only -f shop.sql, then --scan shop.sql)';

/** Card numbers in text, masked for reporting. */
export function findCardNumbers(text: string): string[] {
  return findPans(text, { accept: (digits) => ISSUER_PREFIX.test(digits) }).map(
    ({ digits }) => `${digits.length} digits ending ${digits.slice(-4)}`,
  );
}

/** Scans files and folders (recursively). */
export async function scanForCardNumbers(paths: string[]): Promise<PanScan> {
  const scanned: string[] = [];
  const findings: PanFinding[] = [];
  const problems: string[] = [];
  for (const entry of paths) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
      problems.push(`${entry} is a URL, not a file: ${WHAT_TO_SCAN}`);
      continue;
    }
    const info = await stat(entry).catch(() => undefined);
    if (!info) problems.push(`${entry} does not exist: ${WHAT_TO_SCAN}`);
  }
  for (const file of await expand(paths)) {
    scanned.push(file);
    // Read twice: latin1 maps every byte to one character, so digits inside binary pages are
    // seen as-is; UTF-8 sees the text stored in them (full-width digits are three bytes).
    const bytes = await readFile(file);
    const masked = [...new Set([...findCardNumbers(bytes.toString('latin1')), ...findCardNumbers(bytes.toString('utf8'))])];
    if (masked.length > 0) findings.push({ file, masked });
  }
  if (scanned.length === 0 && problems.length === 0) problems.push(`no file found in ${paths.join(', ') || 'no path'}: ${WHAT_TO_SCAN}`);
  return { scanned, findings, problems };
}

async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const entry of paths) {
    const info = await stat(entry).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) {
      const children = await readdir(entry);
      files.push(...(await expand(children.map((child) => path.join(entry, child)))));
    } else if (info.isFile()) {
      files.push(entry);
    }
  }
  return files;
}
