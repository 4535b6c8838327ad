// The one return page (client/order-status.html), served at /success and /return for the two
// Checkout integrations and at /payment-complete for the Payment Element. The query says which
// lookup to make: Checkout redirects with `?session_id=cs_…`, Stripe.js with
// `?payment_intent=pi_…` and a `redirect_status` (only a hint for what to offer next).
// What the page says about the payment comes from our order (lib/order-page.ts), never from the URL.
// https://docs.stripe.com/payments/accept-a-payment?platform=web&ui=elements#web-post-payment
import { isCheckoutSessionId, isPaymentIntentId } from '../../common/api-contract';
import { getOrder, getOrderByPaymentIntent } from './lib/api';
import { requireElement } from './lib/dom';
import { startOrderPage, type OrderPageOptions } from './lib/order-page';

const params = new URLSearchParams(location.search);
const tryAgain = requireElement('#try-again', HTMLAnchorElement);

function lookup(): OrderPageOptions {
  if (params.has('payment_intent')) {
    const paymentIntentId = params.get('payment_intent') ?? '';
    return {
      // Anything but a PaymentIntent id was not made by Stripe; the server would refuse it too.
      load: isPaymentIntentId(paymentIntentId) ? () => getOrderByPaymentIntent(paymentIntentId) : null,
      missingReferenceMessage: 'This link has no payment reference. If you just paid, check your email for the receipt.',
      onNotPaid: (order) => {
        // Only an order that can still be paid gets a retry link (the basket is still in this tab).
        tryAgain.hidden = order.status !== 'failed';
      },
    };
  }
  const sessionId = params.get('session_id') ?? '';
  return {
    load: isCheckoutSessionId(sessionId) ? () => getOrder(sessionId) : null,
    missingReferenceMessage: 'This link has no order reference. If you just paid, check your email for the receipt.',
  };
}

startOrderPage(lookup());
