// A basket whose price the browser rewrote: the request says what one costs.
import type { LabAttack } from '../attack';
import type { LabTarget } from '../target';
import { firstProduct, startOrder } from './shop';

export const priceTamper: LabAttack = {
  name: 'price-tamper',
  summary: "Send the basket with a unit price of 1 (the smallest unit of the shop's currency) instead of the catalog's.",
  why: 'Anything the browser sends can be rewritten (devtools, a proxy); amounts are decided on the server from the catalog (https://docs.stripe.com/payments/accept-a-payment#create-intent, "always decide how much to charge on the server side").',
  cases: [
    {
      label: 'tampered price',
      control: 'server-prices',
      async run(target: LabTarget) {
        const product = await firstProduct(target);
        const { response, error, order } = await startOrder(target, { productId: product.id, quantity: 1, unitAmount: 1 });
        return {
          succeeded: order !== null && order.amount < product.unitAmount,
          observed: [
            `POST /api/payment-intents with ${product.id} at unitAmount 1 (the catalog says ${product.unitAmount}): ${response.status}${error ? ` ${error.code}: ${error.message}` : ''}`,
            order ? `the order to pay is ${order.amount} ${order.currency}` : 'no order was created',
          ],
        };
      },
    },
  ],
};
