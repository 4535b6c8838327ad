// Refunds of succeeded card payments, whole or partial: https://docs.stripe.com/api/refunds/create
// In test mode a card refund succeeds at once; each emits `charge.refunded` and `refund.created`.
import type Stripe from 'stripe';
import { nowSeconds, type EmulatorContext } from '../context';
import { invalidRequest, resourceMissing } from '../api/errors';
import { createId } from '../ids';
import { buildEvent } from '../objects/event';
import { buildRefund } from '../objects/refund';
import { recordBalanceTransaction } from './balance';
import { reverseForRefund } from './destination-charges';

export interface CreateRefundInput {
  paymentIntentId?: string;
  chargeId?: string;
  amount?: number;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  metadata: Record<string, string>;
  /** Destination charges: take the refunded share back from the connected account, and of the fee. */
  reverseTransfer?: boolean;
  refundApplicationFee?: boolean;
}

export function createRefund(context: EmulatorContext, input: CreateRefundInput, request: Stripe.Event.Request): Stripe.Refund {
  const charge = findRefundableCharge(context, input);
  const remaining = charge.amount - charge.amount_refunded;
  if (remaining <= 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, undefined, 'charge_already_refunded');
  if (charge.disputed)
    throw invalidRequest(`Charge ${charge.id} has been charged back; it cannot be refunded.`, undefined, 'charge_disputed');
  const amount = input.amount ?? remaining;
  if (amount < 1) throw invalidRequest('Refund amount must be at least 1.', 'amount', 'parameter_invalid_integer');
  if (amount > remaining) {
    throw invalidRequest(
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
      'amount',
      'amount_too_large',
    );
  }
  const created = nowSeconds(context);
  const id = createId('re');
  const transaction = recordBalanceTransaction(context, {
    created,
    amount: -amount,
    currency: charge.currency,
    sourceId: id,
    type: 'refund',
    reportingCategory: 'refund',
    description: 'REFUND FOR CHARGE',
  });
  const events = { created, request };
  const { transferReversal } = reverseForRefund(
    context,
    charge,
    { id, amount },
    { reverseTransfer: input.reverseTransfer ?? false, refundApplicationFee: input.refundApplicationFee ?? false },
    events,
  );
  const refund = buildRefund({
    transferReversal,
    id,
    balanceTransactionId: transaction.id,
    created,
    amount,
    currency: charge.currency,
    chargeId: charge.id,
    paymentIntentId: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
    reason: input.reason ?? null,
    metadata: input.metadata,
  });
  const amountRefunded = charge.amount_refunded + amount;
  const refunded: Stripe.Charge = { ...charge, amount_refunded: amountRefunded, refunded: amountRefunded === charge.amount };
  context.store.refunds.set(refund.id, refund);
  context.store.charges.set(refunded.id, refunded);
  context.emit(buildEvent('charge.refunded', refunded, events));
  context.emit(buildEvent('refund.created', refund, events));
  return refund;
}

function findRefundableCharge(context: EmulatorContext, input: CreateRefundInput): Stripe.Charge {
  if (input.paymentIntentId && input.chargeId) throw invalidRequest('Pass either `payment_intent` or `charge`, not both.', 'charge');
  let chargeId = input.chargeId;
  if (input.paymentIntentId) {
    const intent = context.store.paymentIntents.get(input.paymentIntentId);
    if (!intent) throw resourceMissing('payment_intent', input.paymentIntentId, 'payment_intent');
    if (intent.status !== 'succeeded' || typeof intent.latest_charge !== 'string') {
      throw invalidRequest(
        `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`,
        'payment_intent',
        'charge_not_refundable',
      );
    }
    chargeId = intent.latest_charge;
  }
  if (!chargeId)
    throw invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      undefined,
      'parameter_missing',
    );
  const charge = context.store.charges.get(chargeId);
  if (!charge) throw resourceMissing('charge', chargeId, 'charge');
  if (charge.status !== 'succeeded')
    throw invalidRequest(`Charge ${charge.id} has not succeeded; there is nothing to refund.`, 'charge', 'charge_not_refundable');
  return charge;
}
