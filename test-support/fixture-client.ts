// A stand-in for the Vite build (dist/client) made from the one page list, so the server's tests
// need no build and cannot drift from the pages the server serves: one HTML file per entry of
// common/pages.ts, with a module script exactly where the page list gives the real page one, a
// stylesheet (each with the brotli and gzip copies the build writes, common/precompressed.ts),
// and the static files in fixtures/client-static. Its body names the entry
// (`data-entry`), so a test can tell which file a route served. Written once per test process to
// a temporary folder, removed when the process exits.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PAGE_ENTRIES, entryLayout } from '../common/pages';
import { precompress } from '../common/precompressed';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');
const STATIC_DIR = path.join(REPO_ROOT, 'server', 'test', 'fixtures', 'client-static');
/** The content hash Vite would put in the fixture's file names. */
const HASH = 'Bx12cd34';
export const FIXTURE_STYLESHEET = '/assets/style-Cd56ef78.css';

/** An entry's name: its Vite input key, its bundle's name, and the fixture body's `data-entry`. */
export const nameOf = (entry: string) => entry.replace(/\.html$/, '');

/** Whether the real page loads a module of ours (the cancel page loads none): the page list says. */
export function entryHasScript(entry: string): boolean {
  return entryLayout(entry).script !== null;
}

/** The fixture's bundle for a page entry, as Vite names it: /assets/<name>-<hash>.js. */
export function fixtureScriptPath(entry: string): string {
  return `/assets/${nameOf(entry)}-${HASH}.js`;
}

/** Every file the fixture build serves (URL paths), for tests that list them. */
export function fixtureAssetPaths(): string[] {
  const scripts = PAGE_ENTRIES.filter(entryHasScript).map(fixtureScriptPath);
  return [...scripts, FIXTURE_STYLESHEET].sort();
}

/** A bundle's stand-in: long enough (about 1 KB) that its compressed copies are smaller than it, as a real bundle's are. */
function fixtureScript(name: string): string {
  const lines = Array.from({ length: 12 }, (_, i) => `export const line${i} = 'stand-in for the code of the ${name} page, line ${i}';`);
  return [`export const entry = '${name}';`, ...lines, ''].join('\n');
}

function writeFixtureBuild(dir: string): void {
  mkdirSync(path.join(dir, 'assets'));
  cpSync(path.join(STATIC_DIR, 'images'), path.join(dir, 'images'), { recursive: true });
  cpSync(path.join(STATIC_DIR, path.basename(FIXTURE_STYLESHEET)), path.join(dir, FIXTURE_STYLESHEET));
  for (const entry of PAGE_ENTRIES) {
    const name = nameOf(entry);
    const script = entryHasScript(entry) ? fixtureScriptPath(entry) : null;
    if (script) writeFileSync(path.join(dir, script), fixtureScript(name));
    writeFileSync(
      path.join(dir, entry),
      [
        '<!doctype html>',
        '<html lang="en">',
        '  <head>',
        '    <meta charset="utf-8" />',
        `    <title>fixture ${name}</title>`,
        ...(script ? [`    <script type="module" crossorigin nonce="__CSP_NONCE__" src="${script}"></script>`] : []),
        `    <link rel="stylesheet" crossorigin nonce="__CSP_NONCE__" href="${FIXTURE_STYLESHEET}" />`,
        '  </head>',
        `  <body data-entry="${name}"></body>`,
        '</html>',
        '',
      ].join('\n'),
    );
  }
  for (const asset of fixtureAssetPaths()) {
    const file = path.join(dir, asset);
    precompress(readFileSync(file), (suffix, compressed) => writeFileSync(`${file}${suffix}`, compressed));
  }
}

let fixtureDir: string | undefined;

/** The fixture build's folder (CLIENT_DIST_DIR for an app under test), made on first use. */
export function fixtureClientDir(): string {
  if (fixtureDir && existsSync(fixtureDir)) return fixtureDir;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sss-fixture-client-'));
  writeFixtureBuild(dir);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  fixtureDir = dir;
  return dir;
}
