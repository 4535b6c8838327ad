// The pages the audit grades: every page that starts, hosts or confirms a payment, from the
// one page list (common/pages.ts). /cancel is left out: it loads no script and takes no part in
// a payment, so the Observatory's Subresource Integrity bonus (and its 135 target) cannot apply.
import { PAGE_MANIFEST, PAYMENT_PAGE_ROUTES, isShopPage } from '../../common/pages';

export const PAYMENT_PAGES: readonly string[] = PAYMENT_PAGE_ROUTES;

export const NON_PAYMENT_PAGES: readonly string[] = PAGE_MANIFEST.filter((entry) => isShopPage(entry) && !entry.payment).map(
  (entry) => entry.route,
);
