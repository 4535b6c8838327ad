import type Stripe from 'stripe';
import type { CardDetails } from './card-details';

export interface DisputeInput {
  id: string;
  created: number;
  amount: number;
  balanceTransactions: Stripe.BalanceTransaction[];
  currency: string;
  chargeId: string;
  paymentIntentId: string | null;
  card: Pick<CardDetails, 'brand'> | null;
}

const EVIDENCE_WINDOW_S = 7 * 24 * 60 * 60;

/** A new fraud dispute waiting for the merchant's evidence. https://docs.stripe.com/api/disputes/object */
export function buildDispute(input: DisputeInput): Stripe.Dispute {
  return {
    id: input.id,
    object: 'dispute',
    amount: input.amount,
    balance_transactions: input.balanceTransactions,
    charge: input.chargeId,
    created: input.created,
    currency: input.currency,
    enhanced_eligibility_types: [],
    evidence: {
      access_activity_log: null,
      billing_address: null,
      cancellation_policy: null,
      cancellation_policy_disclosure: null,
      cancellation_rebuttal: null,
      customer_communication: null,
      customer_email_address: null,
      customer_name: null,
      customer_purchase_ip: null,
      customer_signature: null,
      duplicate_charge_documentation: null,
      duplicate_charge_explanation: null,
      duplicate_charge_id: null,
      enhanced_evidence: {},
      product_description: null,
      receipt: null,
      refund_policy: null,
      refund_policy_disclosure: null,
      refund_refusal_explanation: null,
      service_date: null,
      service_documentation: null,
      shipping_address: null,
      shipping_carrier: null,
      shipping_date: null,
      shipping_documentation: null,
      shipping_tracking_number: null,
      uncategorized_file: null,
      uncategorized_text: null,
    },
    evidence_details: {
      due_by: input.created + EVIDENCE_WINDOW_S,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
      submission_method: 'not_submitted',
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: input.paymentIntentId,
    payment_method_details: input.card
      ? { type: 'card', card: { brand: input.card.brand, case_type: 'chargeback', network: input.card.brand, network_reason_code: '10.4' } }
      : undefined,
    reason: 'fraudulent',
    status: 'needs_response',
  };
}
