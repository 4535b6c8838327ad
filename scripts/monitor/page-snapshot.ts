// What PCI DSS 11.6.1 asks a merchant to watch on a payment page, as the customer's browser
// receives it: the security-relevant response headers and the scripts the HTML loads, each
// with the SHA-384 of what the server actually sent.
import { firstPartyScriptUrls, sha384 } from '../build/subresource-integrity';
import { httpsGet } from '../lib/https-client';

/** Headers whose change weakens the page; an absent header is recorded as null. */
export const WATCHED_HEADERS = [
  'content-security-policy',
  'strict-transport-security',
  'cross-origin-opener-policy',
  'cross-origin-embedder-policy',
  'cross-origin-resource-policy',
  'referrer-policy',
  'x-content-type-options',
  'x-frame-options',
  'permissions-policy',
  'reporting-endpoints',
] as const;

export interface PageSnapshot {
  url: string;
  headers: Record<(typeof WATCHED_HEADERS)[number], string | null>;
  scripts: { url: string; sha384: string; integrity: string | null }[];
}

export interface FetchOptions {
  /** Extra CA to trust (the development CA). */
  ca?: string;
}

export async function snapshotPage(pageUrl: URL, options: FetchOptions = {}): Promise<PageSnapshot> {
  const page = await httpsGet(pageUrl, options);
  if (page.status !== 200) throw new Error(`GET ${pageUrl.href} answered ${page.status}`);
  const headers = Object.fromEntries(
    WATCHED_HEADERS.map((name) => [name, name === 'content-security-policy' ? normaliseNonce(page.headers[name]) : (page.headers[name] ?? null)]),
  ) as PageSnapshot['headers'];
  const html = page.body.toString('utf8');
  const scripts = [];
  for (const url of firstPartyScriptUrls(html)) {
    const script = await httpsGet(new URL(url, pageUrl), options);
    scripts.push({ url, sha384: sha384(script.body), integrity: integrityOf(html, url) });
  }
  return { url: pageUrl.pathname, headers, scripts };
}

/** A fresh nonce per response is the point; compare policies with it blanked out. */
export function normaliseNonce(policy: string | undefined): string | null {
  return policy === undefined ? null : policy.replace(/'nonce-[^']+'/g, "'nonce-…'");
}

function integrityOf(html: string, url: string): string | null {
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const tag = new RegExp(`<(?:script|link)\\b[^>]*(?:src|href)="${escaped}"[^>]*>`, 'i').exec(html)?.[0];
  return tag ? (/\bintegrity="([^"]+)"/i.exec(tag)?.[1] ?? null) : null;
}
