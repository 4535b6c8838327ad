// Fetches a page's response headers over HTTPS (trusting an extra CA) and checks the ones
// Stripe cares about that the graders do not: Stripe.js does not support cross-origin
// isolation, so no Cross-Origin-Embedder-Policy may be sent, and COOP must leave Stripe's
// popups (3-D Secure, wallets) a way back (https://docs.stripe.com/security/guide#content-security-policy).
import { httpsGet } from '../lib/https-client';

export type HeaderMap = Record<string, string>;

export async function fetchHeaders(url: URL, ca?: string, cookie?: string): Promise<{ status: number; headers: HeaderMap }> {
  const { status, headers } = await httpsGet(url, { ca, headers: cookie ? { cookie } : {} });
  return { status, headers };
}

/** Problems with cross-origin isolation headers; empty when Stripe can work. */
export function crossOriginIsolationProblems(headers: HeaderMap): string[] {
  const problems: string[] = [];
  const coep = headers['cross-origin-embedder-policy'];
  if (coep !== undefined) {
    problems.push(`Cross-Origin-Embedder-Policy: ${coep} is sent; Stripe.js does not support cross-origin isolation, send none`);
  }
  const coop = headers['cross-origin-opener-policy'];
  if (coop !== undefined && coop.split(';')[0]?.trim() === 'same-origin') {
    problems.push('Cross-Origin-Opener-Policy: same-origin cuts Stripe popups off from the page; use same-origin-allow-popups');
  }
  return problems;
}
