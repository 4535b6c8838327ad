// Searching for typed card numbers (PANs) in anything our side saw or kept.
//
// Separators are removed before searching, so "4242 4242 4242 4242", "4242-4242-…" and a
// URL-encoded "4242+4242…" or "4242%204242…" are all found. Binary files (the SQLite database
// and its WAL) are searched as latin1 text: SQLite stores TEXT values as contiguous bytes.
import { readFile } from 'node:fs/promises';

export function digitsOf(cardNumber: string): string {
  return cardNumber.replace(/\D/g, '');
}

function normalise(text: string): string {
  return text.replace(/%20|%2D|[\s+-]/gi, '');
}

/** The card numbers (digits only) that occur in `text`. */
export function findCardNumbers(text: string, cardNumbers: Iterable<string>): string[] {
  const haystack = normalise(text);
  return [...cardNumbers].map(digitsOf).filter((digits) => digits.length > 0 && haystack.includes(digits));
}

/** The card numbers found in each existing file, keyed by path; missing files are skipped. */
export async function findCardNumbersInFiles(files: string[], cardNumbers: Iterable<string>): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const file of files) {
    const contents = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!contents) continue;
    const hits = findCardNumbers(contents.toString('latin1'), cardNumbers);
    if (hits.length > 0) found[file] = hits;
  }
  return found;
}
