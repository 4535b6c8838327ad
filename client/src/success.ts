// The return page of both Checkout integrations: hosted Checkout redirects to /success and
// embedded Checkout to /return, each with `?session_id=cs_…`. What the page shows comes from
// our order (see lib/order-page.ts), never from the URL.
import { isCheckoutSessionId } from '../../common/api-contract';
import { getOrder } from './lib/api';
import { startOrderPage } from './lib/order-page';

const sessionId = new URLSearchParams(location.search).get('session_id') ?? '';

startOrderPage({
  // Anything but a Checkout Session id was not made by Stripe; the server would refuse it too.
  load: isCheckoutSessionId(sessionId) ? () => getOrder(sessionId) : null,
  missingReferenceMessage: 'This link has no order reference. If you just paid, check your email for the receipt.',
});
