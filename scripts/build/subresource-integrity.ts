// A Vite plugin that puts `integrity="sha384-…"` on every first-party script, module
// preload and stylesheet tag of the built pages (PCI DSS 6.4.3: a mechanism that assures
// each script's integrity; MDN Observatory's SRI test).
//
// It runs after Vite has written the bundle (closeBundle) and hashes the files as they are
// on disk, so nothing that rewrites a chunk later can leave a stale hash behind. Stripe.js is
// never given a hash: Stripe changes it without notice and forbids pinning or self-hosting it
// (https://docs.stripe.com/security/guide#content-security-policy); it is loaded at run time
// by @stripe/stripe-js, not from these tags.
import { createHash } from 'node:crypto';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';

// <script src>, <link rel="modulepreload" href> and <link rel="stylesheet" href> pointing at our own files.
const TAG = /<(script|link)\b[^>]*>/gi;

export function sha384(contents: Buffer | string): string {
  return `sha384-${createHash('sha384').update(contents).digest('base64')}`;
}

/** Adds integrity to each first-party script/preload/stylesheet tag of one HTML document. */
export async function addIntegrity(html: string, readAsset: (urlPath: string) => Promise<Buffer>): Promise<string> {
  let result = '';
  let last = 0;
  for (const match of html.matchAll(TAG)) {
    const tag = match[0];
    const url = referencedUrl(tag);
    result += html.slice(last, match.index);
    last = match.index + tag.length;
    if (url === null || !isFirstParty(url) || /\bintegrity=/i.test(tag)) {
      result += tag;
      continue;
    }
    const hash = sha384(await readAsset(url));
    result += tag.replace(/\s*\/?>$/, (end) => ` integrity="${hash}"${end}`);
  }
  return result + html.slice(last);
}

/** Our own scripts and module preloads in a page, in document order (the inventory's view). */
export function firstPartyScriptUrls(html: string): string[] {
  return [...html.matchAll(TAG)]
    .filter((match) => !/\brel="stylesheet"/i.test(match[0]))
    .map((match) => referencedUrl(match[0]))
    .filter((url): url is string => url !== null && isFirstParty(url));
}

function isFirstParty(url: string): boolean {
  return url.startsWith('/') && !url.startsWith('//');
}

function referencedUrl(tag: string): string | null {
  if (/^<script/i.test(tag)) return /\bsrc="([^"]+)"/i.exec(tag)?.[1] ?? null;
  const rel = /\brel="([^"]+)"/i.exec(tag)?.[1]?.toLowerCase();
  if (rel !== 'modulepreload' && rel !== 'stylesheet') return null;
  return /\bhref="([^"]+)"/i.exec(tag)?.[1] ?? null;
}

export function subresourceIntegrity(): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'stripe-secure-starter:subresource-integrity',
    apply: 'build',
    configResolved(resolved) {
      config = resolved;
    },
    async closeBundle() {
      const outDir = path.resolve(config.root, config.build.outDir);
      const pages = (await readdir(outDir)).filter((file) => file.endsWith('.html'));
      const readAsset = (urlPath: string) => readFile(path.join(outDir, urlPath.split(/[?#]/)[0] ?? urlPath));
      for (const page of pages) {
        const file = path.join(outDir, page);
        await writeFile(file, await addIntegrity(await readFile(file, 'utf8'), readAsset));
      }
    },
  };
}
