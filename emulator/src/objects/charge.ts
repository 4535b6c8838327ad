import type Stripe from 'stripe';
import type { BillingDetailsInput, CardDetails } from './card-details';
import type { DestinationChargeData } from '../store';

export interface ChargeInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  paymentIntentId: string;
  paymentMethodId: string;
  card: CardDetails;
  billing: BillingDetailsInput;
  /** `undefined` for a charge that succeeded. */
  failure?: { code: string; declineCode: string; message: string };
  /** A delayed payment whose funds have not arrived yet (status `pending`). */
  pending?: boolean;
  /** The intent's destination charge settings, copied onto the charge. */
  destination?: DestinationChargeData | null;
}

export function buildCharge(input: ChargeInput): Stripe.Charge {
  const failed = input.failure !== undefined;
  const settled = !failed && !input.pending;
  return {
    id: input.id,
    object: 'charge',
    amount: input.amount,
    amount_captured: settled ? input.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: input.destination?.applicationFeeAmount ?? null,
    balance_transaction: null,
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: input.billing.postalCode, state: null },
      email: input.billing.email,
      name: input.billing.name,
      phone: null,
      tax_id: null,
    },
    calculated_statement_descriptor: 'STRIPE SECURE STARTER',
    captured: settled,
    created: input.created,
    currency: input.currency,
    customer: null,
    description: null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: input.failure?.code ?? null,
    failure_message: input.failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: {},
    on_behalf_of: null,
    outcome: buildOutcome(input.failure),
    paid: settled,
    payment_intent: input.paymentIntentId,
    payment_method: input.paymentMethodId,
    payment_method_details: {
      card: {
        amount_authorized: failed ? null : input.amount,
        authorization_code: failed ? null : '123456',
        brand: input.card.brand,
        checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
        country: input.card.country,
        electronic_commerce_indicator: null,
        exp_month: input.card.expMonth,
        exp_year: input.card.expYear,
        fingerprint: input.card.fingerprint,
        funding: input.card.funding,
        installments: null,
        last4: input.card.last4,
        mandate: null,
        network: input.card.brand,
        network_transaction_id: null,
        regulated_status: 'unregulated',
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failed ? 'failed' : input.pending ? 'pending' : 'succeeded',
    transfer_data: input.destination ? { amount: null, destination: input.destination.destination } : null,
    transfer_group: null,
  };
}

function buildOutcome(failure: ChargeInput['failure']): Stripe.Charge.Outcome {
  if (!failure) {
    return {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: 'approved_by_network',
      reason: null,
      risk_level: 'normal',
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  return {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    network_status: 'declined_by_network',
    reason: failure.declineCode,
    risk_level: 'normal',
    seller_message: 'The bank did not return any further details with this decline.',
    type: 'issuer_declined',
  };
}
