// The Content-Security-Policy, page by page.
//
// Each page declares which Stripe integration it uses; the integration decides which
// Stripe origins the page may talk to, frame and load (Stripe's published directive sets,
// https://docs.stripe.com/security/guide#content-security-policy). Hosted Checkout loads
// no Stripe code on our pages (the browser navigates to Stripe), so it needs no Stripe
// origin at all. Scripts run only with the per-response nonce; 'strict-dynamic' lets
// them load what they import (https://www.w3.org/TR/CSP3/#strict-dynamic-usage).
import { PAGE_MANIFEST, type Integration, type Page } from '../../../common/pages';

export type { Integration, Page };

/**
 * Which integration's policy each page gets, from the page list. Only the two pages that load
 * Stripe.js get Stripe origins; the product page and every return page load no Stripe code
 * (they talk to our API only), so they get the hosted policy: no Stripe origin at all.
 */
export const PAGE_INTEGRATIONS = Object.fromEntries(PAGE_MANIFEST.map((entry) => [entry.page, entry.integration])) as Record<
  Page,
  Integration
>;

/** The Stripe origins a browser reaches, by role. In emulated mode all of them are the emulator. */
export interface StripeOrigins {
  api: string[];
  js: string[];
  hooks: string[];
  checkout: string[];
  images: string[];
  /** Connect.js and its component frames, which load Stripe.js (https://docs.stripe.com/connect/get-started-connect-embedded-components). */
  connect: string[];
}

export const STRIPE_ORIGINS: StripeOrigins = {
  api: ['https://api.stripe.com'],
  js: ['https://js.stripe.com', 'https://*.js.stripe.com'],
  hooks: ['https://hooks.stripe.com'],
  checkout: ['https://checkout.stripe.com'],
  images: ['https://*.stripe.com'],
  connect: ['https://connect-js.stripe.com', 'https://js.stripe.com'],
};

export function emulatorOrigins(emulatorOrigin: string): StripeOrigins {
  const only = [emulatorOrigin];
  return { api: only, js: only, hooks: only, checkout: only, images: only, connect: only };
}

type Role = keyof StripeOrigins;
interface StripeSources {
  connect: Role[];
  frame: Role[];
  script: Role[];
  img: Role[];
  /** The frames (a subset of `frame`) that may show wallets: Permissions-Policy `payment`. */
  payment: Role[];
  /** Hashes of the style elements Stripe's script inserts, which carry no nonce; absent = none. */
  styleHashes?: string[];
}

/**
 * Connect.js inserts one empty style element; Stripe publishes its hash for `style-src`
 * (https://docs.stripe.com/connect/get-started-connect-embedded-components#csp-and-http-header-requirements).
 */
export const CONNECT_JS_STYLE_HASH = "'sha256-0hAheEzaMe6uXIKV4EehS9pu1am1lj/KnnzrOYqckXk='";

// The per-integration directive table (https://docs.stripe.com/security/guide#content-security-policy):
// - hosted: the browser leaves for checkout.stripe.com, so our pages name no Stripe origin.
// - payment-element: Stripe.js's published set. hooks.stripe.com frames 3-D Secure and
//   redirect-based methods; maps.googleapis.com is left out because we use no Address Element.
// - embedded: Embedded Checkout has no set of its own: Stripe.js's set plus Checkout's set.
// - connect: Connect embedded components' published set, and nothing more: connect-js.stripe.com
//   and js.stripe.com to load and frame, *.stripe.com images, the hash of Connect.js's empty
//   style element, and the API it calls. No wallet runs in a component: no `payment`.
// `payment` (not a CSP directive: the page's Permissions-Policy, server/src/security/headers.ts)
// names the frames where wallets run the Payment Request API: Stripe.js's own frames, and
// Checkout's for Embedded Checkout. hooks.stripe.com (3-D Secure, redirects) shows no wallet.
const INTEGRATION_SOURCES: Record<Integration, StripeSources> = {
  hosted: { connect: [], frame: [], script: [], img: [], payment: [] },
  'payment-element': { connect: ['api'], frame: ['js', 'hooks'], script: ['js'], img: [], payment: ['js'] },
  embedded: {
    connect: ['api', 'checkout'],
    frame: ['js', 'hooks', 'checkout'],
    script: ['js', 'checkout'],
    img: ['images'],
    payment: ['js', 'checkout'],
  },
  connect: {
    connect: ['api'],
    frame: ['connect'],
    script: ['connect'],
    img: ['images'],
    payment: [],
    styleHashes: [CONNECT_JS_STYLE_HASH],
  },
};

export const CSP_REPORT_PATH = '/csp-reports';
export const CSP_REPORT_GROUP = 'csp-endpoint';

export interface CspOptions {
  integration: Integration;
  nonce: string;
  origins: StripeOrigins;
  /**
   * Lab mode only (server/src/lab/controls.ts), both default true. `strict: false` is the
   * weakened policy many shops ship: no nonce, 'unsafe-inline' and a wildcard source, so any
   * injected script runs and may send anywhere. `frameAncestors: false` drops frame-ancestors.
   */
  strict?: boolean;
  frameAncestors?: boolean;
}

function originsFor(roles: Role[], origins: StripeOrigins): string[] {
  return [...new Set(roles.flatMap((role) => origins[role]))];
}

/** The origins of an integration's frames that may use `payment` (wallets); none for hosted. */
export function paymentFrameOrigins(integration: Integration, origins: StripeOrigins): string[] {
  return originsFor(INTEGRATION_SOURCES[integration].payment, origins);
}

/** The origins an integration's page may frame (`frame-src`). */
export function frameOrigins(integration: Integration, origins: StripeOrigins): string[] {
  return originsFor(INTEGRATION_SOURCES[integration].frame, origins);
}

/** The directives for one response, in a stable order. */
export function buildCspDirectives({
  integration,
  nonce,
  origins,
  strict = true,
  frameAncestors = true,
}: CspOptions): [string, string[]][] {
  const stripe = INTEGRATION_SOURCES[integration];
  // The weakened policy (lab mode only): a nonce would make browsers ignore 'unsafe-inline', so it has none.
  const anywhere = strict ? [] : ['*'];
  const directives: [string, string[]][] = [
    ['default-src', ["'none'"]],
    // https: and 'unsafe-inline' are fallbacks for CSP1/2 browsers only: a browser that
    // understands 'strict-dynamic' ignores both (and ignores host sources).
    [
      'script-src',
      strict
        ? [`'nonce-${nonce}'`, "'strict-dynamic'", 'https:', "'unsafe-inline'", ...originsFor(stripe.script, origins)]
        : ["'self'", "'unsafe-inline'", ...anywhere],
    ],
    // A hash next to a nonce is fine: browsers ignore 'unsafe-inline' only, and there is none.
    ['style-src', ["'self'", ...(strict ? [`'nonce-${nonce}'`, ...(stripe.styleHashes ?? [])] : ["'unsafe-inline'"])]],
    ['img-src', ["'self'", ...originsFor(stripe.img, origins), ...anywhere]],
    ['font-src', ["'self'"]],
    ['connect-src', ["'self'", ...originsFor(stripe.connect, origins), ...anywhere]],
    ['manifest-src', ["'self'"]],
  ];
  const frames = frameOrigins(integration, origins);
  if (frames.length > 0) directives.push(['frame-src', frames]);
  directives.push(
    // Checkout is reached with fetch + location.assign, so no form posts leave our origin.
    ['form-action', ["'self'"]],
    ...(frameAncestors ? [['frame-ancestors', ["'none'"]] satisfies [string, string[]]] : []),
    ['base-uri', ["'none'"]],
    ['object-src', ["'none'"]],
    ['upgrade-insecure-requests', []],
    ['report-uri', [CSP_REPORT_PATH]],
    ['report-to', [CSP_REPORT_GROUP]],
  );
  return directives;
}

export function buildCspHeader(options: CspOptions): string {
  return buildCspDirectives(options)
    .map(([name, values]) => (values.length > 0 ? `${name} ${values.join(' ')}` : name))
    .join('; ');
}

/** `Reporting-Endpoints` names where `report-to` sends reports (Reporting API v1). */
export function buildReportingEndpointsHeader(publicUrl: string): string {
  return `${CSP_REPORT_GROUP}="${publicUrl}${CSP_REPORT_PATH}"`;
}
