// Security headers for every response, from helmet with options checked and header
// values computed once at startup (helmet validates its options when called and throws
// on a bad one). Only the CSP varies per response (the nonce), so it is set by the HTML
// page handler, not here.
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * production: two-year HSTS with subdomains. development: `max-age=0`, for a loopback origin
 * only (config.ts decides which applies).
 */
export type SecurityHeadersProfile = 'production' | 'development';

export interface SecurityHeadersOptions {
  profile: SecurityHeadersProfile;
  hstsPreload: boolean;
}

const TWO_YEARS_SECONDS = 2 * 365 * 24 * 60 * 60;

/** The headers every response carries, and the ones it must not (kept in step with docs/security.md). */
export const EVERY_RESPONSE_HEADERS = [
  'cross-origin-opener-policy',
  'cross-origin-resource-policy',
  'origin-agent-cluster',
  'referrer-policy',
  'strict-transport-security',
  'x-content-type-options',
  'x-dns-prefetch-control',
  'x-download-options',
  'x-frame-options',
  'x-permitted-cross-domain-policies',
  'x-xss-protection',
] as const;
export const HTML_ONLY_HEADERS = ['content-security-policy', 'reporting-endpoints'] as const;
export const ABSENT_HEADERS = ['x-powered-by', 'cross-origin-embedder-policy'] as const;

export function createSecurityHeadersMiddleware(options: SecurityHeadersOptions): RequestHandler {
  return helmet({
    contentSecurityPolicy: false,
    // Stripe does not support cross-origin isolation: js.stripe.com sends no CORP header
    // and its iframes break under COEP require-corp or credentialless.
    // https://docs.stripe.com/security/guide#content-security-policy
    crossOriginEmbedderPolicy: false,
    // same-origin-allow-popups rather than same-origin: payment methods that open a
    // popup (wallets, some redirects) keep a reference to their opener.
    crossOriginOpenerPolicy: { policy: 'same-origin-allow-popups' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    // Production: two years with subdomains; preload only when asked, since leaving the
    // preload list is slow (https://hstspreload.org/#deployment-recommendations).
    // Development (a loopback origin): browsers keep HSTS per host name, not per port, so a
    // lasting policy on `localhost` would upgrade every other local development server for
    // years. max-age=0 rather than no header: it also deletes a policy an earlier version of
    // this kit (or another tool) left on the name (RFC 6797 §6.1.1).
    strictTransportSecurity: options.profile === 'production'
      ? { maxAge: TWO_YEARS_SECONDS, includeSubDomains: true, preload: options.hstsPreload }
      : { maxAge: 0, includeSubDomains: false },
    xFrameOptions: { action: 'deny' },
  });
}
