// Fetches a page's response headers over HTTPS (trusting an extra CA) and checks the ones
// Stripe cares about that the graders do not: Stripe.js does not support cross-origin
// isolation, so no Cross-Origin-Embedder-Policy may be sent, and COOP must leave Stripe's
// popups (3-D Secure, wallets) a way back (https://docs.stripe.com/security/guide#content-security-policy).
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';

export type HeaderMap = Record<string, string>;

export async function fetchHeaders(url: URL, ca?: string): Promise<{ status: number; headers: HeaderMap }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ca: ca ? [...rootCertificates, ca] : undefined, timeout: 10_000 }, (res) => {
      res.resume();
      const headers: HeaderMap = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      resolve({ status: res.statusCode ?? 0, headers });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url.href} timed out`)));
    req.on('error', reject);
    req.end();
  });
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
