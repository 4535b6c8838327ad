// The Payment Element's return page. Stripe.js redirects here with `?payment_intent=pi_…` and a
// `redirect_status`; the status is only a hint for what to offer next. What the page says about
// the payment comes from our order (see lib/order-page.ts).
// https://docs.stripe.com/payments/accept-a-payment?platform=web&ui=elements#web-post-payment
import { isPaymentIntentId } from '../../common/api-contract';
import { getOrderByPaymentIntent } from './lib/api';
import { requireElement } from './lib/dom';
import { startOrderPage } from './lib/order-page';

const params = new URLSearchParams(location.search);
const paymentIntentId = params.get('payment_intent') ?? '';
const tryAgain = requireElement('#try-again', HTMLAnchorElement);

startOrderPage({
  load: isPaymentIntentId(paymentIntentId) ? () => getOrderByPaymentIntent(paymentIntentId) : null,
  missingReferenceMessage: 'This link has no payment reference. If you just paid, check your email for the receipt.',
  onNotPaid: (order) => {
    // Only an order that can still be paid gets a retry link (the basket is still in this tab).
    tryAgain.hidden = order.status !== 'failed';
  },
});
