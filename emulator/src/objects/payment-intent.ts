import type Stripe from 'stripe';
import type { DestinationChargeData } from '../store';

export interface PaymentIntentInput {
  id: string;
  created: number;
  amount: number;
  currency: string;
  metadata: Record<string, string>;
  receiptEmail: string | null;
  /** `pi_…_secret_…`: what the browser gets; Stripe.js calls need it with the publishable key. */
  clientSecret: string;
  description?: string | null;
  automaticPaymentMethods?: Stripe.PaymentIntent.AutomaticPaymentMethods | null;
  /** A destination charge: the connected account paid on success, and the platform's fee. */
  destination?: DestinationChargeData | null;
}

/** A new PaymentIntent: made by `POST /v1/payment_intents`, or by Checkout on the first submission. */
export function buildPaymentIntent(input: PaymentIntentInput): Stripe.PaymentIntent {
  return {
    id: input.id,
    object: 'payment_intent',
    allowed_payment_method_types: null,
    amount: input.amount,
    amount_capturable: 0,
    // Optional in the SDK's types, yet in every answer (Stripe's example objects carry both):
    // test-support/stripe-contract/keys-sent.json.
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    application_fee_amount: input.destination?.applicationFeeAmount ?? null,
    automatic_payment_methods: input.automaticPaymentMethods ?? null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic',
    client_secret: input.clientSecret,
    confirmation_method: 'automatic',
    created: input.created,
    currency: input.currency,
    customer: null,
    customer_account: null,
    description: input.description ?? null,
    excluded_payment_method_types: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: null,
    metadata: input.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_record: null,
    processing: null,
    receipt_email: input.receiptEmail,
    review: null,
    setup_future_usage: null,
    shipping: null,
    source: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: input.destination ? { destination: input.destination.destination } : null,
    transfer_group: null,
  };
}
