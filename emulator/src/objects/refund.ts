import type Stripe from 'stripe';

export interface RefundInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  chargeId: string;
  balanceTransactionId: string;
  paymentIntentId: string | null;
  reason: Stripe.Refund.Reason | null;
  metadata: Record<string, string>;
  /** The transfer reversal a destination charge's refund made (`reverse_transfer`). */
  transferReversal?: string | null;
}

/** A card refund; in test mode it succeeds at once. https://docs.stripe.com/api/refunds/object */
export function buildRefund(input: RefundInput): Stripe.Refund {
  return {
    id: input.id,
    object: 'refund',
    amount: input.amount,
    balance_transaction: input.balanceTransactionId,
    charge: input.chargeId,
    created: input.created,
    currency: input.currency,
    customer: null,
    customer_account: null,
    // Where a card refund goes (the card network's reference comes later, reference_status
    // `pending`): optional in the SDK's types, yet sent; test-support/stripe-contract/keys-sent.json.
    destination_details: {
      card: { reference_status: 'pending', reference_type: 'acquirer_reference_number', type: 'refund' },
      type: 'card',
    },
    metadata: input.metadata,
    payment_intent: input.paymentIntentId,
    payment_method: null,
    reason: input.reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: input.transferReversal ?? null,
  };
}
