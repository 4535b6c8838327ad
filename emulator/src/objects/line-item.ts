import Stripe from 'stripe';
import { createId } from '../ids';

export interface LineItemInput {
  currency: string;
  unitAmount: number;
  quantity: number;
  productName: string;
  created: number;
}

/** A Checkout line item with the ad-hoc Price that `price_data` creates. */
export function buildLineItem(input: LineItemInput): Stripe.LineItem {
  const amount = input.unitAmount * input.quantity;
  return {
    id: createId('li'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: input.currency,
    description: input.productName,
    metadata: {},
    price: buildPrice(input),
    quantity: input.quantity,
  };
}

function buildPrice(input: LineItemInput): Stripe.Price {
  return {
    id: createId('price'),
    object: 'price',
    active: false, // prices made from price_data are archived: they exist for this session only
    billing_scheme: 'per_unit',
    created: input.created,
    currency: input.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: createId('prod'),
    recurring: null,
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'one_time',
    unit_amount: input.unitAmount,
    unit_amount_decimal: Stripe.Decimal.from(input.unitAmount),
  };
}
