// Looks for card numbers (PANs) at rest: database files (with -wal/-shm), log files and the
// CSP-report store. A card number in any of them is a bug, since card data never reaches us.
//
// The detector is the store's PAN guard (Luhn-valid 13-19 digit runs, grouped or not),
// narrowed to runs whose first digit is an issuer prefix in use (2-6: Mastercard, Amex,
// Diners/JCB, Visa, Discover/UnionPay): that keeps millisecond timestamps, which start
// with 1 and are Luhn-valid one time in ten, from drowning real findings.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { findPanLikeRuns } from '../../server/src/store/pan-guard';

export interface PanFinding {
  file: string;
  /** Masked: the length and last four digits only, never the number itself. */
  masked: string[];
}

const ISSUER_PREFIX = /^[2-6]/;

/** PAN-like runs in text, masked for reporting. */
export function findCardNumbers(text: string): string[] {
  return findPanLikeRuns(text)
    .map((run) => run.replace(/[ -]/g, ''))
    .filter((digits) => ISSUER_PREFIX.test(digits))
    .map((digits) => `${digits.length} digits ending ${digits.slice(-4)}`);
}

/** Scans files and folders (recursively); paths that do not exist are skipped. */
export async function scanForCardNumbers(paths: string[]): Promise<{ scanned: string[]; findings: PanFinding[] }> {
  const scanned: string[] = [];
  const findings: PanFinding[] = [];
  for (const file of await expand(paths)) {
    scanned.push(file);
    // latin1 maps every byte to one character, so digits inside binary pages are seen as-is.
    const masked = findCardNumbers((await readFile(file)).toString('latin1'));
    if (masked.length > 0) findings.push({ file, masked });
  }
  return { scanned, findings };
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
