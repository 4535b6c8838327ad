// What PCI DSS 11.6.1 asks a merchant to watch on a payment page, as the customer's browser
// receives it: every security-relevant response header and every script the HTML carries
// (ours with the SHA-384 of what the server actually sent, a third party's by URL, inline
// code by its SHA-256).
import { createHash } from 'node:crypto';
import { sha384 } from '../build/subresource-integrity';
import { httpsGet } from '../lib/https-client';
import { ABSENT_HEADERS, EVERY_RESPONSE_HEADERS, HTML_ONLY_HEADERS } from '../../server/src/security/headers';
import { listScripts } from './html-scripts';

/**
 * Headers whose change weakens the page, from the server's own lists, plus the ones it does not
 * send but a proxy or a later change could (Permissions-Policy), Cache-Control (`no-store`
 * keeps each nonce single-use) and Content-Type. An absent header is recorded as null.
 */
export const WATCHED_HEADERS = [
  ...new Set([...EVERY_RESPONSE_HEADERS, ...HTML_ONLY_HEADERS, ...ABSENT_HEADERS, 'permissions-policy', 'cache-control', 'content-type']),
].sort();

export interface ScriptSnapshot {
  /** `script`, `modulepreload`, `preload`, `on<event>` or `javascript:` (html-scripts.ts). */
  kind: string;
  /** The URL as the page writes it; null for code written in the page. */
  src: string | null;
  /**
   * Ours: `sha384-…` of the file served (or `HTTP <status>`). Inline code: `sha256-…` of it.
   * A third party's file: null; Stripe changes Stripe.js without notice and forbids pinning
   * it (https://docs.stripe.com/security/guide#content-security-policy), so its URL is what counts.
   */
  hash: string | null;
  /** The tag's attributes, the nonce's value left out (it differs in every response). */
  attributes: Record<string, string>;
}

export interface PageSnapshot {
  url: string;
  headers: Record<string, string | null>;
  scripts: ScriptSnapshot[];
}

export interface FetchOptions {
  /** Extra CA to trust (the development CA). */
  ca?: string;
}

export async function snapshotPage(pageUrl: URL, options: FetchOptions = {}): Promise<PageSnapshot> {
  const page = await httpsGet(pageUrl, options);
  if (page.status !== 200) throw new Error(`GET ${pageUrl.href} answered ${page.status}`);
  const headers = Object.fromEntries(
    WATCHED_HEADERS.map((name) => [
      name,
      name === 'content-security-policy' ? normaliseNonce(page.headers[name]) : (page.headers[name] ?? null),
    ]),
  );
  const scripts: ScriptSnapshot[] = [];
  for (const tag of listScripts(page.body.toString('utf8'))) {
    scripts.push({ kind: tag.kind, src: tag.src, hash: await hashOf(tag, pageUrl, options), attributes: tag.attributes });
  }
  return { url: pageUrl.pathname, headers, scripts };
}

async function hashOf(tag: { src: string | null; inline: string | null }, pageUrl: URL, options: FetchOptions): Promise<string | null> {
  if (tag.inline !== null) return `sha256-${createHash('sha256').update(tag.inline).digest('base64')}`;
  if (tag.src === null) return null;
  const url = new URL(tag.src, pageUrl);
  if (url.origin !== pageUrl.origin) return null;
  const script = await httpsGet(url, options);
  return script.status === 200 ? sha384(script.body) : `HTTP ${script.status}`;
}

/** A fresh nonce per response is the point; compare policies with it blanked out. */
export function normaliseNonce(policy: string | undefined): string | null {
  return policy === undefined ? null : policy.replace(/'nonce-[^']+'/g, "'nonce-…'");
}
