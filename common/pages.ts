// The one page list: every page the shop serves, and what each one is. Vite's inputs, the
// server's page routes, each page's CSP and Permissions-Policy, the audit's and the monitor's
// page lists, the script inventory and the tests are all derived from it, so adding a page is
// one entry here (docs/customize.md, "Add a page").
// The seller routes live with the API contract, which the seller pages' scripts import anyway.
import { SELLER_ENROL_ROUTE, SELLER_HOME_ROUTE, SELLER_SIGN_IN_ROUTE } from './api-contract';

export { SELLER_ENROL_ROUTE, SELLER_HOME_ROUTE, SELLER_SIGN_IN_ROUTE };

/** Which Stripe integration's directive set a page's CSP gets (server/src/security/csp.ts). */
export type Integration = 'hosted' | 'payment-element' | 'embedded' | 'connect';

/** Stripe code a page runs, loaded at run time (never bundled): Stripe.js from js.stripe.com, Connect.js from connect-js.stripe.com. */
export type StripeSurface = 'stripe.js' | 'connect.js';

/**
 * Powerful features a page itself uses, which its Permissions-Policy grants to it alone
 * (`feature=(self)`, no frame): creating a passkey (enrol) and using one (sign in).
 */
export type PageFeature = 'publickey-credentials-create' | 'publickey-credentials-get';

/**
 * Who may load a page: anyone; a signed-in seller (others are sent to the sign-in page); or, in
 * the workshop lab only (LAB_MODE=true), anyone, the page being a 404 in every other mode.
 */
export type PageAccess = 'public' | 'seller' | 'lab';

export interface PageEntry {
  /** Stable name of the route's page: the key of its CSP, Permissions-Policy and template. */
  readonly page: string;
  /** Where the server serves it, with a fresh nonce and its CSP. */
  readonly route: string;
  /** Its body under client/ (the layout writes the rest), built to dist/client/; routes may share one. */
  readonly entry: string;
  /** Which integration's CSP it gets: `hosted` names no Stripe origin at all. */
  readonly integration: Integration;
  /** Takes part in a payment: in PCI DSS 6.4.3's script inventory, and the audit checks the scripts it loads. */
  readonly payment: boolean;
  /**
   * Absent = graded by the audit (Observatory 135 with its cookie test passing, CSP Evaluator),
   * signed in when `access` asks for it. `false` only for a page that cannot earn the Subresource
   * Integrity bonus the 135 needs because it loads no script; say so next to it.
   */
  readonly graded?: false;
  /** Stripe code the page loads at run time, for the script inventory. */
  readonly stripeSurfaces: readonly StripeSurface[];
  /** The page's own title; the layout writes `<title> · <shop name>` (config/brand.json). */
  readonly title: string;
  /** The skip link's text (WCAG 2.4.1): says where it jumps to. */
  readonly skipLink: string;
  /** The page's module script under client/, or null for a page that runs none. */
  readonly script: string | null;
  /** `noindex` for pages a search engine has no reason to list (return pages, checkout steps). */
  readonly robots?: 'noindex';
  /** Powerful features the page uses itself; absent = none (every one is denied). */
  readonly features?: readonly PageFeature[];
  /** Absent = public. `seller`: served only with a live seller session (server/src/routes/seller.ts); `lab`: in lab mode only. */
  readonly access?: PageAccess;
}

/** What /success, /return and /payment-complete share: one built page serves all three. */
const ORDER_STATUS_PAGE = {
  entry: 'order-status.html',
  integration: 'hosted',
  payment: true,
  stripeSurfaces: [],
  title: 'Your order',
  skipLink: 'Skip to your order',
  script: 'src/order-status.ts',
  robots: 'noindex',
} as const;

export const PAGE_MANIFEST = [
  // The shop: the basket starts hosted Checkout (the browser goes to Stripe), so no Stripe code here.
  {
    page: 'index',
    route: '/',
    entry: 'index.html',
    integration: 'hosted',
    payment: true,
    stripeSurfaces: [],
    title: 'Shop',
    skipLink: 'Skip to products',
    script: 'src/shop.ts',
  },
  // One order-status page for every return: hosted Checkout comes back to /success and embedded
  // Checkout to /return (with ?session_id=), the Payment Element to /payment-complete (with
  // ?payment_intent=); its script picks the lookup from the query.
  { page: 'success', route: '/success', ...ORDER_STATUS_PAGE },
  // Loads no script and takes no part in a payment: no Subresource Integrity bonus, so not graded.
  {
    page: 'cancel',
    route: '/cancel',
    entry: 'cancel.html',
    integration: 'hosted',
    payment: false,
    graded: false,
    stripeSurfaces: [],
    title: 'Checkout cancelled',
    skipLink: 'Skip to content',
    script: null,
    robots: 'noindex',
  },
  {
    page: 'embedded-checkout',
    route: '/embedded-checkout',
    entry: 'embedded-checkout.html',
    integration: 'embedded',
    payment: true,
    stripeSurfaces: ['stripe.js'],
    title: 'Checkout',
    skipLink: 'Skip to checkout',
    script: 'src/embedded-checkout.ts',
    robots: 'noindex',
  },
  { page: 'return', route: '/return', ...ORDER_STATUS_PAGE },
  {
    page: 'payment',
    route: '/payment',
    entry: 'payment.html',
    integration: 'payment-element',
    payment: true,
    stripeSurfaces: ['stripe.js'],
    title: 'Payment',
    skipLink: 'Skip to payment',
    script: 'src/payment-element.ts',
    robots: 'noindex',
  },
  { page: 'payment-complete', route: '/payment-complete', ...ORDER_STATUS_PAGE },
  // The workshop lab's panel (`npm run lab`): switches each control off and on. Same CSP and
  // nonce as every page; the server serves it only in lab mode.
  {
    page: 'lab',
    route: '/lab',
    entry: 'lab.html',
    integration: 'hosted',
    payment: false,
    stripeSurfaces: [],
    title: 'Security lab',
    skipLink: 'Skip to the lab controls',
    script: 'src/lab.ts',
    robots: 'noindex',
    access: 'lab',
  },
  // The seller area: sign-in and enrolment use passkeys (WebAuthn) on our own origin, so each
  // is granted the one credential feature it calls; no Stripe code on any of them yet.
  {
    page: 'seller-sign-in',
    route: SELLER_SIGN_IN_ROUTE,
    entry: 'seller-sign-in.html',
    integration: 'hosted',
    payment: false,
    stripeSurfaces: [],
    title: 'Seller sign-in',
    skipLink: 'Skip to sign-in',
    script: 'src/seller-sign-in.ts',
    robots: 'noindex',
    features: ['publickey-credentials-get'],
  },
  {
    page: 'seller-enrol',
    route: SELLER_ENROL_ROUTE,
    entry: 'seller-enrol.html',
    integration: 'hosted',
    payment: false,
    stripeSurfaces: [],
    title: 'Set up your passkey',
    skipLink: 'Skip to passkey set-up',
    script: 'src/seller-enrol.ts',
    robots: 'noindex',
    features: ['publickey-credentials-create'],
  },
  {
    page: 'seller',
    route: SELLER_HOME_ROUTE,
    entry: 'seller.html',
    integration: 'connect',
    payment: false,
    stripeSurfaces: ['connect.js'],
    title: 'Seller area',
    skipLink: 'Skip to your seller area',
    script: 'src/seller.ts',
    robots: 'noindex',
    access: 'seller',
  },
] as const satisfies readonly PageEntry[];

export type Page = (typeof PAGE_MANIFEST)[number]['page'];

/** Whether the server serves a page in every mode, or only in the workshop lab. */
export function isShopPage(entry: PageEntry): boolean {
  return entry.access !== 'lab';
}

/** Every route the server serves a page at in every mode (the lab's panel is served in lab mode only). */
export const PAGE_ROUTES: readonly string[] = PAGE_MANIFEST.filter(isShopPage).map((entry) => entry.route);

/** The routes served only in the workshop lab. */
export const LAB_PAGE_ROUTES: readonly string[] = PAGE_MANIFEST.filter((entry: PageEntry) => !isShopPage(entry)).map(
  (entry) => entry.route,
);

/** The pages anyone may load in every mode (no seller session, not the lab's). */
export const PUBLIC_PAGES: readonly PageEntry[] = PAGE_MANIFEST.filter((entry: PageEntry) => (entry.access ?? 'public') === 'public');

/** Their routes (the monitor's default list: it has no seller session). */
export const PUBLIC_PAGE_ROUTES: readonly string[] = PUBLIC_PAGES.map((entry) => entry.route);

/** The payment pages: the script inventory covers them, and the audit checks what scripts they load. */
export const PAYMENT_PAGE_ROUTES: readonly string[] = PAGE_MANIFEST.filter((entry) => entry.payment).map((entry) => entry.route);

/** The pages the audit grades (every page the server serves in every mode, unless it says `graded: false`). */
export const GRADED_PAGES: readonly PageEntry[] = PAGE_MANIFEST.filter((entry: PageEntry) => isShopPage(entry) && entry.graded !== false);

/** Each HTML entry once (several routes may share one). */
export const PAGE_ENTRIES: readonly string[] = [...new Set(PAGE_MANIFEST.map((entry) => entry.entry))];

/** What the layout writes around one HTML entry: the same for every route that serves it. */
export interface EntryLayout {
  readonly entry: string;
  readonly title: string;
  readonly skipLink: string;
  readonly script: string | null;
  readonly robots: 'noindex' | null;
}

/** The layout of one HTML entry; throws when its routes disagree (they are served the same bytes). */
export function entryLayout(entry: string): EntryLayout {
  const pages: readonly PageEntry[] = PAGE_MANIFEST.filter((page) => page.entry === entry);
  const first = pages[0];
  if (!first) throw new Error(`client/${entry} is not in the page list: add an entry for it to PAGE_MANIFEST in common/pages.ts.`);
  const layout: EntryLayout = { entry, title: first.title, skipLink: first.skipLink, script: first.script, robots: first.robots ?? null };
  for (const page of pages) {
    for (const field of ['title', 'skipLink', 'script', 'robots'] as const) {
      if ((page[field] ?? null) !== layout[field]) {
        throw new Error(
          `common/pages.ts: ${page.route} and ${first.route} share client/${entry} but differ in ${field}; one HTML file is one page, so give them the same ${field} or each its own entry.`,
        );
      }
    }
  }
  return layout;
}

/** The routes one built HTML file is served at. */
export function routesOfEntry(entry: string): string[] {
  return PAGE_MANIFEST.filter((page) => page.entry === entry).map((page) => page.route);
}
