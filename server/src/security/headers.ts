// Security headers for every response, from helmet with options checked and header
// values computed once at startup (helmet validates its options when called and throws
// on a bad one). Only the CSP varies per response (the nonce), so it is set by the HTML
// page handler, not here; so is each page's Permissions-Policy, built here once per page.
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { paymentFrameOrigins } from './csp';
import type { Integration, StripeOrigins } from './csp';

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
  'permissions-policy',
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

/**
 * Powerful features (device access, sensors, screen capture, credentials, payment, tracking)
 * that no page of ours uses, denied to our pages and every frame in them, so a script that
 * got in cannot prompt for them and no frame can be handed them.
 * Only names Chromium recognises (an unknown name is a console error there); checked with
 * `document.featurePolicy.features()` in Debian's Chromium 156. Left out on purpose:
 * `bluetooth` and `web-share` (not policy-controlled in Chromium), `storage-access` (Stripe's
 * frames may ask for their own storage), and the local-network-access names, which are still
 * changing between Chromium versions.
 * https://developer.mozilla.org/docs/Web/HTTP/Reference/Headers/Permissions-Policy
 */
export const POWERFUL_FEATURES = [
  'accelerometer',
  'browsing-topics',
  'camera',
  'captured-surface-control',
  'clipboard-read',
  'compute-pressure',
  'digital-credentials-create',
  'digital-credentials-get',
  'display-capture',
  'gamepad',
  'geolocation',
  'gyroscope',
  'hid',
  'identity-credentials-get',
  'idle-detection',
  'local-fonts',
  'magnetometer',
  'microphone',
  'midi',
  'otp-credentials',
  'payment',
  'publickey-credentials-create',
  'publickey-credentials-get',
  'screen-wake-lock',
  'serial',
  'usb',
  'window-management',
  'xr-spatial-tracking',
] as const;
export type PowerfulFeature = (typeof POWERFUL_FEATURES)[number];

/**
 * `feature=()` for every powerful feature, except those given origins: `feature=(self "origin" …)`.
 * `self` is needed for a frame to get a feature at all: a document can only delegate what it
 * has itself (https://w3c.github.io/webappsec-permissions-policy/#algo-define-inherited-policy-in-container).
 */
export function buildPermissionsPolicy(allowed: Partial<Record<PowerfulFeature, readonly string[]>> = {}): string {
  return POWERFUL_FEATURES.map((feature) => {
    const origins = allowed[feature] ?? [];
    return origins.length === 0 ? `${feature}=()` : `${feature}=(self ${origins.map((origin) => `"${origin}"`).join(' ')})`;
  }).join(', ');
}

/** What every response gets, and the pages that embed no Stripe frame. */
export const DENY_ALL_PERMISSIONS_POLICY = buildPermissionsPolicy();

/**
 * One page's policy: `payment` only for the Stripe frames that show wallets (Apple Pay,
 * Google Pay use the Payment Request API inside Stripe's iframe), from the same
 * per-integration table as the page's CSP, so it names the same origins (the emulator's in
 * emulated mode with local origins).
 */
export function buildPagePermissionsPolicy(integration: Integration, origins: StripeOrigins): string {
  return buildPermissionsPolicy({ payment: paymentFrameOrigins(integration, origins) });
}

export function createSecurityHeadersMiddleware(options: SecurityHeadersOptions): RequestHandler {
  const headers = helmet({
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
    strictTransportSecurity:
      options.profile === 'production'
        ? { maxAge: TWO_YEARS_SECONDS, includeSubDomains: true, preload: options.hstsPreload }
        : { maxAge: 0, includeSubDomains: false },
    xFrameOptions: { action: 'deny' },
  });
  return (req, res, next) => {
    res.setHeader('Permissions-Policy', DENY_ALL_PERMISSIONS_POLICY);
    headers(req, res, next);
  };
}
