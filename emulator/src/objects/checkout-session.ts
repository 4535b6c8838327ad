import type Stripe from 'stripe';

export interface CheckoutSessionInput {
  id: string;
  created: number;
  expiresAt: number;
  currency: string;
  amountTotal: number;
  uiMode: 'hosted_page' | 'embedded_page';
  /** Hosted sessions only. */
  successUrl: string | null;
  cancelUrl: string | null;
  /** Embedded sessions only: where the customer lands after paying. */
  returnUrl: string | null;
  /** Embedded sessions only: `cs_test_…_secret_…`, for Stripe.js. */
  clientSecret: string | null;
  clientReferenceId: string | null;
  customerEmail: string | null;
  metadata: Record<string, string>;
  /** The hosted page URL; `null` for embedded sessions. */
  url: string | null;
}

/** A new, open `payment` mode Checkout Session, hosted (`url`) or embedded (`client_secret`, `return_url`). */
export function buildCheckoutSession(input: CheckoutSessionInput): Stripe.Checkout.Session {
  return {
    id: input.id,
    object: 'checkout.session',
    adaptive_pricing: { enabled: false },
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: input.amountTotal,
    amount_total: input.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: input.cancelUrl,
    client_reference_id: input.clientReferenceId,
    client_secret: input.clientSecret,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: input.created,
    currency: input.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: { after_submit: null, shipping_address: null, submit: null, terms_of_service_acceptance: null },
    customer: null,
    customer_account: null,
    customer_creation: 'if_required',
    customer_details: input.customerEmail
      ? {
          address: null,
          business_name: null,
          email: input.customerEmail,
          individual_name: null,
          name: null,
          phone: null,
          tax_exempt: 'none',
          tax_ids: [],
        }
      : null,
    customer_email: input.customerEmail,
    discounts: [],
    expires_at: input.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: input.metadata,
    mode: 'payment',
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: 'if_required',
    payment_method_configuration_details: null,
    payment_method_options: { card: { request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    ...embeddedFields(input.returnUrl),
    permissions: null,
    // Optional in the SDK's types, yet in every answer: test-support/stripe-contract/keys-sent.json.
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: input.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: input.uiMode,
    url: input.url,
    wallet_options: null,
  };
}

/** Embedded sessions only: where the customer goes when paid (Checkout always redirects here). */
function embeddedFields(returnUrl: string | null): Pick<Stripe.Checkout.Session, 'return_url' | 'redirect_on_completion'> {
  return returnUrl ? { return_url: returnUrl, redirect_on_completion: 'always' } : {};
}
