import type Stripe from 'stripe';

export interface AccountInput {
  id: string;
  created: number;
  businessName: string;
  chargesEnabled: boolean;
  detailsSubmitted: boolean;
}

/** The emulator's own account, as `GET /v1/account` returns one's own. https://docs.stripe.com/api/accounts/object */
export function buildAccount(input: AccountInput): Stripe.Account {
  return {
    id: input.id,
    object: 'account',
    business_profile: {
      mcc: null,
      minority_owned_business_designation: null,
      name: input.businessName,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
    },
    charges_enabled: input.chargesEnabled,
    country: 'US',
    created: input.created,
    default_currency: 'usd',
    details_submitted: input.detailsSubmitted,
    email: null,
    payouts_enabled: input.chargesEnabled,
    type: 'standard',
  };
}
