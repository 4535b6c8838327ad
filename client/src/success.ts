// The success page: Checkout redirects here with `?session_id=cs_…`. The redirect alone
// proves nothing (anyone can type the URL), so the page asks our server, which trusts only
// signed webhooks or its own retrieval from Stripe, and polls until the order settles.
// https://docs.stripe.com/checkout/fulfillment
import { ApiError, getOrder, type Order } from './lib/api';
import { createElement, requireElement, showStatus } from './lib/dom';
import { describePaidCard, formatBrand, formatExpiry, formatMoney } from './lib/format';
import { pollUntil } from './lib/poll';

const status = requireElement('#status-message', HTMLElement);
const details = requireElement('#order-details', HTMLElement);
const amountOutput = requireElement('#order-amount', HTMLElement);
const cardOutput = requireElement('#order-card', HTMLElement);
const checkAgain = requireElement('#check-again', HTMLButtonElement);

/** Statuses after which the order will not change any more. */
const SETTLED = new Set(['paid', 'expired', 'canceled']);
/**
 * A declined first card marks the order failed (payment_intent.payment_failed), yet the shopper
 * may retry on the same Checkout page and be redirected here just before the
 * `checkout.session.completed` webhook lands. So "failed" counts only once it has held for a while.
 */
const FAILED_SETTLES_AFTER_MS = 4_000;

const sessionId = new URLSearchParams(location.search).get('session_id') ?? '';

checkAgain.addEventListener('click', () => void followOrder());
void followOrder();

async function followOrder(): Promise<void> {
  // Checkout Session ids look like cs_test_… / cs_live_…; anything else was not made by Stripe.
  if (!/^cs_[A-Za-z0-9_]{1,250}$/.test(sessionId)) {
    showStatus(status, 'This link has no order reference. If you just paid, check your email for the receipt.', 'error');
    return;
  }

  checkAgain.hidden = true;
  showStatus(status, 'Confirming your payment with the bank…');
  try {
    let failedSince: number | undefined;
    const order = await pollUntil(async () => {
      const current = await getOrder(sessionId);
      if (SETTLED.has(current.status)) return current;
      if (current.status !== 'failed') {
        failedSince = undefined;
        return undefined;
      }
      failedSince ??= Date.now();
      return Date.now() - failedSince >= FAILED_SETTLES_AFTER_MS ? current : undefined;
    });
    if (order) {
      showOrder(order);
    } else {
      showStatus(status, 'Your payment is still being confirmed. This can take a minute; check again shortly.', 'info');
      checkAgain.hidden = false;
    }
  } catch (error) {
    showStatus(status, error instanceof ApiError ? error.message : 'We could not load your order. Please try again.', 'error');
    checkAgain.hidden = false;
  }
}

function showOrder(order: Order): void {
  amountOutput.textContent = formatMoney(order.amount, order.currency);
  if (order.status === 'paid') {
    showStatus(status, order.card ? describePaidCard(order.card) : 'Paid. Thank you for your order!', 'success');
    cardOutput.replaceChildren(
      order.card
        ? `${formatBrand(order.card.brand)} ending in ${order.card.last4}, expires ${formatExpiry(order.card.expMonth, order.card.expYear)}`
        : createElement('span', {}, ['Paid']),
    );
    details.hidden = false;
    return;
  }
  const messages: Record<string, string> = {
    failed: 'Your payment did not go through and nothing was charged. You can try again from the shop.',
    expired: 'This checkout expired before it was paid, so nothing was charged. You can start again from the shop.',
    canceled: 'This order was cancelled and nothing was charged.',
  };
  showStatus(status, messages[order.status] ?? 'This order was not paid.', 'error');
}
