// The Payment Element page: Stripe's card fields in an iframe on our own payment page. Our
// server creates the PaymentIntent (prices from the catalog) and gives us its client secret;
// Stripe.js is loaded here and only here. A decline or a failed 3-D Secure check comes back
// as an error we show next to the form, and the customer can try another card on the same
// PaymentIntent. On success Stripe.js redirects to /payment-complete, which shows what our
// order says. https://docs.stripe.com/payments/accept-a-payment?platform=web&ui=elements
import type { Stripe, StripeElements, StripeError } from '@stripe/stripe-js';
import { ApiError, createPaymentIntent, getConfig, listProducts } from './lib/api';
import type { Catalog } from './lib/api';
import { loadBasket } from './lib/basket';
import { requireElement, showStatus } from './lib/dom';
import { formatAmount } from '../../common/currency';
import { loadStripeForPage } from './lib/stripe-loader';

const status = requireElement('#status-message', HTMLElement);
const form = requireElement('#payment-form', HTMLFormElement);
const payButton = requireElement('#pay-button', HTMLButtonElement);
const mountPoint = requireElement('#payment-element', HTMLElement);
const amountOutput = requireElement('#order-amount', HTMLElement);

let ready: { stripe: Stripe; elements: StripeElements } | undefined;
let complete = false;

void startPayment();
form.addEventListener('submit', (event) => {
  event.preventDefault();
  void pay();
});

async function startPayment(): Promise<void> {
  const items = loadBasket(sessionStorage);
  if (items.length === 0) {
    showStatus(status, 'Your basket is empty. Choose something in the shop first.', 'error');
    return;
  }
  try {
    const [config, { clientSecret }, catalog] = await Promise.all([getConfig(), createPaymentIntent(items), listProducts()]);
    showTotal(items, catalog);
    const stripe = await loadStripeForPage(config);
    const elements = stripe.elements({ clientSecret, appearance: { theme: 'stripe' } });
    const paymentElement = elements.create('payment');
    paymentElement.on('ready', () => showStatus(status, ''));
    paymentElement.on('change', (event) => {
      complete = event.complete;
      payButton.disabled = !complete;
    });
    paymentElement.mount(mountPoint);
    ready = { stripe, elements };
  } catch (error) {
    showStatus(
      status,
      error instanceof ApiError ? error.message : 'The secure card fields could not be loaded. Please reload the page.',
      'error',
    );
  }
}

/** The total as the shop lists it; the amount charged is the server's, from the same catalog. */
function showTotal(items: { productId: string; quantity: number }[], catalog: Catalog): void {
  const total = items.reduce(
    (sum, item) => sum + item.quantity * (catalog.products.find((p) => p.id === item.productId)?.unitAmount ?? 0),
    0,
  );
  amountOutput.textContent = formatAmount(total, catalog.currency);
}

async function pay(): Promise<void> {
  if (!ready || !complete) return;
  payButton.disabled = true;
  payButton.textContent = 'Paying…';
  showStatus(status, 'Confirming your payment…');
  // Resolves only when the payment did not go through: on success Stripe.js leaves for return_url.
  const { error } = await ready.stripe.confirmPayment({
    elements: ready.elements,
    confirmParams: { return_url: `${location.origin}/payment-complete` },
  });
  showStatus(status, describeError(error), 'error');
  payButton.textContent = 'Pay';
  payButton.disabled = !complete;
}

/** Card errors and validation messages are written for customers; anything else is not. */
function describeError(error: StripeError): string {
  if ((error.type === 'card_error' || error.type === 'validation_error') && error.message) return error.message;
  if (error.code === 'payment_intent_authentication_failure')
    return 'We could not verify your card with your bank. Try again or use another card.';
  return 'Something went wrong while confirming your payment. Nothing was charged; please try again.';
}
