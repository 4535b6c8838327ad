// The pages the audit visits, from the one page list (common/pages.ts). Every page is graded
// (Observatory, CSP Evaluator) unless it says `graded: false`; a seller-only page is graded
// signed in. The browser visit that checks loaded scripts against the inventory covers the
// payment pages, which the inventory lists for PCI DSS 6.4.3.
import { GRADED_PAGES, PAGE_MANIFEST, PAYMENT_PAGE_ROUTES, isShopPage, type PageEntry } from '../../common/pages';

export const PAYMENT_PAGES: readonly string[] = PAYMENT_PAGE_ROUTES;

export const GRADED_ROUTES: readonly string[] = GRADED_PAGES.map((entry) => entry.route);

export const UNGRADED_ROUTES: readonly string[] = PAGE_MANIFEST.filter(
  (entry: PageEntry) => isShopPage(entry) && entry.graded === false,
).map((entry) => entry.route);

/** Whether the page is served only with a seller session (any other visitor is sent to sign in). */
export function needsSellerSession(route: string): boolean {
  return PAGE_MANIFEST.some((entry: PageEntry) => entry.route === route && entry.access === 'seller');
}
