import type Stripe from 'stripe';
import type { BillingDetailsInput, CardDetails } from './card-details';

export function buildCardPaymentMethod(input: {
  id: string;
  created: number;
  card: CardDetails;
  billing: BillingDetailsInput;
}): Stripe.PaymentMethod {
  return {
    id: input.id,
    object: 'payment_method',
    allow_redisplay: 'limited',
    billing_details: buildBillingDetails(input.billing),
    card: {
      brand: input.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: input.card.country,
      display_brand: input.card.brand,
      exp_month: input.card.expMonth,
      exp_year: input.card.expYear,
      fingerprint: input.card.fingerprint,
      funding: input.card.funding,
      generated_from: null,
      last4: input.card.last4,
      networks: { available: [input.card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: input.created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  };
}

export function buildBillingDetails(billing: BillingDetailsInput): Stripe.PaymentMethod.BillingDetails {
  return {
    address: {
      city: null,
      country: null,
      line1: null,
      line2: null,
      postal_code: billing.postalCode,
      state: null,
    },
    email: billing.email,
    name: billing.name,
    phone: null,
    tax_id: null,
  };
}
