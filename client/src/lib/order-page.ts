// What every return page does (hosted /success, embedded /return, Payment Element
// /payment-complete): the URL alone proves nothing (anyone can type it), so the page asks our
// server, which trusts only signed webhooks or its own retrieval from Stripe, and polls until
// the order settles. https://docs.stripe.com/checkout/fulfillment
import type { OrderStatus, PublicOrder as Order } from '../../../common/api-contract';
import { ApiError } from './api';
import { createElement, requireElement, showStatus } from './dom';
import { formatAmount } from '../../../common/currency';
import { describePaidCard, formatBrand, formatExpiry } from './format';
import { pollUntil } from './poll';

/** Statuses at which the page stops asking (an expired order still turns paid if money moved late; a reload shows it). */
const SETTLED: ReadonlySet<OrderStatus> = new Set(['paid', 'expired', 'refunded', 'disputed']);
/**
 * A declined first card marks the order failed (payment_intent.payment_failed), yet the shopper
 * may retry on the same page and be redirected here just before the success webhook lands.
 * So "failed" counts only once it has held for a while.
 */
const FAILED_SETTLES_AFTER_MS = 4_000;

/** One message per status the server can answer with, other than paid (the compiler keeps it complete). */
const NOT_PAID_MESSAGES: Record<Exclude<OrderStatus, 'paid'>, string> = {
  pending: 'This order was not paid.',
  failed: 'Your payment did not go through and nothing was charged. You can try again from the shop.',
  expired: 'This checkout expired before it was paid, so nothing was charged. You can start again from the shop.',
  refunded: 'This order was refunded. The money is on its way back to your card.',
  disputed: 'This payment is being disputed with your bank. We will be in touch.',
};

export interface OrderPageOptions {
  /** Null when the URL carries no usable reference; the message says what to do. */
  load: (() => Promise<Order>) | null;
  missingReferenceMessage: string;
  /** Called when the order settled as anything but paid (e.g. offer to try another card). */
  onNotPaid?: (order: Order) => void;
}

export function startOrderPage(options: OrderPageOptions): void {
  const status = requireElement('#status-message', HTMLElement);
  const details = requireElement('#order-details', HTMLElement);
  const amountOutput = requireElement('#order-amount', HTMLElement);
  const cardOutput = requireElement('#order-card', HTMLElement);
  const checkAgain = requireElement('#check-again', HTMLButtonElement);

  async function followOrder(load: () => Promise<Order>): Promise<void> {
    checkAgain.hidden = true;
    showStatus(status, 'Confirming your payment with the bank…');
    try {
      let failedSince: number | undefined;
      const order = await pollUntil(async () => {
        const current = await load();
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
    amountOutput.textContent = formatAmount(order.amount, order.currency);
    if (order.card) {
      cardOutput.replaceChildren(
        `${formatBrand(order.card.brand)} ending in ${order.card.last4}, expires ${formatExpiry(order.card.expMonth, order.card.expYear)}`,
      );
    } else {
      cardOutput.replaceChildren(createElement('span', {}, [order.status === 'paid' ? 'Paid' : '–']));
    }
    if (order.status === 'paid') {
      showStatus(status, order.card ? describePaidCard(order.card) : 'Paid. Thank you for your order!', 'success');
      details.hidden = false;
      return;
    }
    details.hidden = !order.card;
    showStatus(status, NOT_PAID_MESSAGES[order.status], 'error');
    options.onNotPaid?.(order);
  }

  const load = options.load;
  if (!load) {
    showStatus(status, options.missingReferenceMessage, 'error');
    return;
  }
  checkAgain.addEventListener('click', () => void followOrder(load));
  void followOrder(load);
}
