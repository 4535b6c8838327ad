// The API contract is written once, in common/api-contract.ts. Copies drift (a session-id
// pattern that let through what the server refused, a status the server never produces), so
// this keeps client, server and emulator from declaring their own: every name the contract
// exports, and any pattern for a Stripe id in our URLs.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CONTRACT = 'common/api-contract.ts';
/** Runtime code that speaks the API (tests may spell out ids and statuses as examples). */
const RUNTIME_FOLDERS = ['client/src', 'server/src', 'emulator/src'];

async function sourceFiles(folder: string): Promise<string[]> {
  const entries = await readdir(path.join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ts$/.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
}

async function contractNames(): Promise<string[]> {
  const source = await readFile(path.join(ROOT, CONTRACT), 'utf8');
  return [...source.matchAll(/^export (?:const|type|interface|function|class) (\w+)/gm)].map((match) => match[1] ?? '');
}

describe('the API contract', () => {
  it('exports the names client and server share', async () => {
    expect(await contractNames()).toEqual(
      expect.arrayContaining(['ORDER_STATUSES', 'PublicOrder', 'ShopConfig', 'MAX_QUANTITY', 'CHECKOUT_SESSION_ID_PATTERN']),
    );
  });

  it('is declared once: client, server and emulator import it rather than declare their own', async () => {
    const names = await contractNames();
    // `type X =`, `interface X {`, `const X =` …, but not `import { type X, … }`.
    const declaration = new RegExp(
      `\\b(?:const|let|var|type|interface|function|class|enum) (${names.join('|')})(?=\\s*[=:<({]|\\s+extends\\b)`,
      'g',
    );
    const copies: string[] = [];
    for (const folder of RUNTIME_FOLDERS) {
      for (const file of await sourceFiles(folder)) {
        const source = await readFile(path.join(ROOT, file), 'utf8');
        for (const match of source.matchAll(declaration)) copies.push(`${file}: ${match[1]}`);
      }
    }
    expect(copies).toEqual([]);
  });

  it('holds the only patterns for the Stripe ids in our URLs', async () => {
    // A regular expression literal anchored on a Checkout Session or PaymentIntent prefix.
    const idPattern = /\/\^(?:cs|pi)_[^/\n]*\//g;
    const copies: string[] = [];
    for (const folder of RUNTIME_FOLDERS) {
      for (const file of await sourceFiles(folder)) {
        const source = await readFile(path.join(ROOT, file), 'utf8');
        for (const match of source.matchAll(idPattern)) copies.push(`${file}: ${match[0]}`);
      }
    }
    expect(copies).toEqual([]);
    expect((await readFile(path.join(ROOT, CONTRACT), 'utf8')).match(idPattern)).toHaveLength(2);
  });
});
