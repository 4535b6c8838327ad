// Every header policy of every response, decided here once at startup: the security headers
// all responses carry (helmet's, with options checked when called: it throws on a bad one), and
// the block each page and each built file is sent with. Both ways a response leaves the server
// take their headers from here: the Express app (createSecurityHeadersMiddleware) and the
// static responders in front of it (routes/pages.ts, routes/built-assets.ts), which write a
// block precomputed per page or file. Per response only the CSP's nonce varies (csp.ts builds
// the policy; each page's is split around its nonce once).
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import helmet from 'helmet';
import { buildCspHeader, buildReportingEndpointsHeader, paymentFrameOrigins } from './csp';
import type { Integration, StripeOrigins } from './csp';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';
import type { PageFeature } from '../../../common/pages';

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
export function buildPermissionsPolicy(
  allowed: Partial<Record<PowerfulFeature, readonly string[]>> = {},
  /** Features the page itself uses (`feature=(self)`), delegated to no frame. */
  ownFeatures: readonly PowerfulFeature[] = [],
): string {
  return POWERFUL_FEATURES.map((feature) => {
    const origins = allowed[feature] ?? [];
    if (origins.length > 0) return `${feature}=(self ${origins.map((origin) => `"${origin}"`).join(' ')})`;
    return ownFeatures.includes(feature) ? `${feature}=(self)` : `${feature}=()`;
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
export function buildPagePermissionsPolicy(
  integration: Integration,
  origins: StripeOrigins,
  ownFeatures: readonly PageFeature[] = [],
): string {
  return buildPermissionsPolicy({ payment: paymentFrameOrigins(integration, origins) }, ownFeatures);
}

/** One response's headers, names as sent, in order. */
export type HeaderList = readonly (readonly [name: string, value: string])[];

/** helmet's headers for these options, read once from a response it has been run on. */
function helmetHeaders(options: SecurityHeadersOptions): HeaderList {
  const middleware = helmet({
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
  // helmet's values depend on its options only, never on the request: run it once and keep them.
  const res = new ServerResponse(new IncomingMessage(new Socket()));
  let failure: unknown = new Error('helmet did not pass the response on');
  middleware(res.req, res, (error?: unknown) => (failure = error));
  if (failure !== undefined) throw failure;
  // outgoingMessage.getRawHeaderNames() (Node's docs; @types/node has it on ClientRequest only): names as helmet wrote them.
  const names = (res as ServerResponse & { getRawHeaderNames(): string[] }).getRawHeaderNames();
  return names.map((name) => [name, String(res.getHeader(name))] as const);
}

/** The headers every response carries (EVERY_RESPONSE_HEADERS), with their values for these options. */
export function everyResponseHeaders(options: SecurityHeadersOptions): HeaderList {
  return [...helmetHeaders(options), ['Permissions-Policy', DENY_ALL_PERMISSIONS_POLICY]];
}

/** The Express app's share: every response it answers (API, health, webhooks, 404s, errors) gets the common headers. */
export function createSecurityHeadersMiddleware(options: SecurityHeadersOptions): RequestHandler {
  const headers = everyResponseHeaders(options);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** `[name, value, name, value, …]`, as `res.writeHead` takes a header block. */
export type FlatHeaders = string[];

function flatten(headers: HeaderList): FlatHeaders {
  return headers.flatMap(([name, value]) => [name, value]);
}

/** A page's HTML is never cached: a cached page would reuse its nonce. */
export const PAGE_CACHE_CONTROL = 'no-store';

export interface PageHeadersOptions extends SecurityHeadersOptions {
  integration: Integration;
  stripeOrigins: StripeOrigins;
  publicUrl: string;
  /** Lab mode only: the switches for `csp`, `csp-strict` and `frame-ancestors`, read per response. */
  lab?: LabControls | null;
  /** What the page itself may use of the powerful features (the page list's `features`: passkeys). */
  features?: readonly PageFeature[];
}

// Cannot occur in a CSP (a header value has no control characters): marks where the nonce goes.
const NONCE_MARK = '\u0000';

/**
 * One page's header block, all of it built once: the common headers with the page's own
 * Permissions-Policy (Stripe.js pages let wallets run), its CSP split around the nonce, where
 * reports go, the HTML type and no-store. Per response: the nonce and the body's length.
 */
export function createPageHeaders(options: PageHeadersOptions): (nonce: string, contentLength: number) => FlatHeaders {
  const permissionsPolicy = buildPagePermissionsPolicy(options.integration, options.stripeOrigins, options.features);
  const fixed = flatten([
    ...everyResponseHeaders(options).map(([name, value]) =>
      name.toLowerCase() === 'permissions-policy' ? ([name, permissionsPolicy] as const) : ([name, value] as const),
    ),
    ['Reporting-Endpoints', buildReportingEndpointsHeader(options.publicUrl)],
    ['Content-Type', 'text/html; charset=utf-8'],
    ['Cache-Control', PAGE_CACHE_CONTROL],
  ]);
  const csp = buildCspHeader({ integration: options.integration, nonce: NONCE_MARK, origins: options.stripeOrigins }).split(NONCE_MARK);
  const lab = options.lab;
  if (!lab)
    return (nonce, contentLength) => [...fixed, 'Content-Security-Policy', csp.join(nonce), 'Content-Length', String(contentLength)];
  // Lab mode: built per response from the switches (the lab's few requests make the cost moot).
  const framable = withoutHeader(fixed, 'x-frame-options');
  return (nonce, contentLength) => {
    const frameAncestors = controlOn(lab, 'frame-ancestors');
    const policy = controlOn(lab, 'csp')
      ? ['Content-Security-Policy', buildCspHeader({ ...cspOptions(options, nonce), strict: controlOn(lab, 'csp-strict'), frameAncestors })]
      : [];
    return [...(frameAncestors ? fixed : framable), ...policy, 'Content-Length', String(contentLength)];
  };
}

function cspOptions(options: PageHeadersOptions, nonce: string) {
  return { integration: options.integration, nonce, origins: options.stripeOrigins };
}

function withoutHeader(headers: FlatHeaders, name: string): FlatHeaders {
  const kept: FlatHeaders = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]?.toLowerCase() !== name) kept.push(headers[i] ?? '', headers[i + 1] ?? '');
  }
  return kept;
}

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** Vite puts a content hash in every file name under assets/, so those never change; public/ files keep their names. */
export function assetCacheControl(hashed: boolean): string {
  return hashed ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'public, max-age=3600';
}

/** A built file's policy headers (the common ones and its caching); the file adds what describes it (type, length, validators, coding). */
export function assetHeaders(options: SecurityHeadersOptions, hashed: boolean): FlatHeaders {
  return flatten([...everyResponseHeaders(options), ['Cache-Control', assetCacheControl(hashed)]]);
}

/** The common headers alone, for an answer the static responders give outside a page or a file (a 500). */
export function commonHeaders(options: SecurityHeadersOptions): FlatHeaders {
  return flatten(everyResponseHeaders(options));
}
