// The one page list: every page the shop serves, and what each one is. Vite's inputs, the
// server's page routes, each page's CSP and Permissions-Policy, the audit's and the monitor's
// page lists, the script inventory and the tests are all derived from it, so adding a page is
// one entry here (docs/customize.md, "Add a page").

/** Which Stripe integration's directive set a page's CSP gets (server/src/security/csp.ts). */
export type Integration = 'hosted' | 'payment-element' | 'embedded';

/** Stripe code a page runs: Stripe.js (loaded at run time from js.stripe.com, never bundled). */
export type StripeSurface = 'stripe.js';

export interface PageEntry {
  /** Stable name: the page's `data-page` and the key of its Vite input. */
  readonly page: string;
  /** Where the server serves it, with a fresh nonce and its CSP. */
  readonly route: string;
  /** The HTML file under client/ that Vite builds it from (dist/client/ after the build). */
  readonly entry: string;
  /** Which integration's CSP it gets: `hosted` names no Stripe origin at all. */
  readonly integration: Integration;
  /** Takes part in a payment: graded by the audit (Observatory 135) and PCI DSS 6.4.3's inventory. */
  readonly payment: boolean;
  /** Stripe code the page loads at run time, for the script inventory. */
  readonly stripeSurfaces: readonly StripeSurface[];
}

export const PAGE_MANIFEST = [
  // The shop: the basket starts hosted Checkout (the browser goes to Stripe), so no Stripe code here.
  { page: 'index', route: '/', entry: 'index.html', integration: 'hosted', payment: true, stripeSurfaces: [] },
  { page: 'success', route: '/success', entry: 'success.html', integration: 'hosted', payment: true, stripeSurfaces: [] },
  // Loads no script and takes no part in a payment.
  { page: 'cancel', route: '/cancel', entry: 'cancel.html', integration: 'hosted', payment: false, stripeSurfaces: [] },
  { page: 'embedded-checkout', route: '/embedded-checkout', entry: 'embedded-checkout.html', integration: 'embedded', payment: true, stripeSurfaces: ['stripe.js'] },
  { page: 'return', route: '/return', entry: 'return.html', integration: 'hosted', payment: true, stripeSurfaces: [] },
  { page: 'payment', route: '/payment', entry: 'payment.html', integration: 'payment-element', payment: true, stripeSurfaces: ['stripe.js'] },
  { page: 'payment-complete', route: '/payment-complete', entry: 'payment-complete.html', integration: 'hosted', payment: true, stripeSurfaces: [] },
] as const satisfies readonly PageEntry[];

export type Page = (typeof PAGE_MANIFEST)[number]['page'];

/** Every route the server serves a page at. */
export const PAGE_ROUTES: readonly string[] = PAGE_MANIFEST.map((entry) => entry.route);

/** The pages the audit grades and the script inventory covers. */
export const PAYMENT_PAGE_ROUTES: readonly string[] = PAGE_MANIFEST.filter((entry) => entry.payment).map((entry) => entry.route);

/** Each HTML entry once (several routes may share one). */
export const PAGE_ENTRIES: readonly string[] = [...new Set(PAGE_MANIFEST.map((entry) => entry.entry))];

/** The routes one built HTML file is served at. */
export function routesOfEntry(entry: string): string[] {
  return PAGE_MANIFEST.filter((page) => page.entry === entry).map((page) => page.route);
}
