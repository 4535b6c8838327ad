// The pages the audit grades: every page that starts, hosts or
// confirms a payment. /cancel is left out: it loads no script and takes no part in a
// payment, so the Observatory's Subresource Integrity bonus (and its 135 target) cannot
// apply to it. scripts/test/payment-pages.test.ts keeps this list in step with the server.
export const PAYMENT_PAGES = ['/', '/embedded-checkout', '/payment', '/success', '/return', '/payment-complete'] as const;

export const NON_PAYMENT_PAGES = ['/cancel'] as const;
