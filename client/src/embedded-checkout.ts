// The embedded Checkout page: Stripe's checkout form in an iframe on this page. The page
// creates the session on our server (which prices the basket), loads Stripe.js here and
// only here, and mounts the form. On completion Checkout sends the customer to our
// /return page, which shows what our order says.
// https://docs.stripe.com/checkout/embedded/quickstart
import { ApiError, createEmbeddedCheckoutSession, getConfig } from './lib/api';
import { loadBasket } from './lib/basket';
import { requireElement, showStatus } from './lib/dom';
import { loadStripeForPage } from './lib/stripe-loader';

const status = requireElement('#status-message', HTMLElement);
const mountPoint = requireElement('#checkout', HTMLElement);

void startEmbeddedCheckout();

async function startEmbeddedCheckout(): Promise<void> {
  const items = loadBasket(sessionStorage);
  if (items.length === 0) {
    showStatus(status, 'Your basket is empty. Choose something in the shop first.', 'error');
    return;
  }
  try {
    const stripe = await loadStripeForPage(await getConfig());
    const checkout = await stripe.createEmbeddedCheckoutPage({
      fetchClientSecret: async () => (await createEmbeddedCheckoutSession(items)).clientSecret,
    });
    checkout.mount(mountPoint);
    showStatus(status, '');
  } catch (error) {
    showStatus(
      status,
      error instanceof ApiError ? error.message : 'The secure checkout could not be loaded. Please reload the page.',
      'error',
    );
  }
}
