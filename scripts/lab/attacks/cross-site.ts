// Another site's page making the shopper's browser POST to our API (CSRF). Node sends the
// headers a browser would send for that page's fetch: Origin and Sec-Fetch-Site.
import type { LabAttack } from '../attack';
import type { LabTarget } from '../target';
import { firstProduct, startOrder } from './shop';

export const crossSite: LabAttack = {
  name: 'cross-site',
  summary: "Start an order from another origin's page, as its fetch() in the shopper's browser would.",
  why: 'A state-changing request a browser sends for another site is refused by its Sec-Fetch-Site and Origin headers (https://www.w3.org/TR/fetch-metadata/, OWASP CSRF Prevention Cheat Sheet).',
  cases: [
    {
      label: 'cross-site POST',
      control: 'origin-check',
      async run(target: LabTarget) {
        const product = await firstProduct(target);
        const attacker = `https://attacker.localhost:${new URL(target.url).port || '443'}`;
        const { response, error, order } = await startOrder(
          target,
          { productId: product.id, quantity: 1 },
          { origin: attacker, 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
        );
        return {
          succeeded: response.status === 201 && order !== null,
          observed: [
            `POST /api/payment-intents with Origin ${attacker} and Sec-Fetch-Site: cross-site: ${response.status}${error ? ` ${error.code}` : ''}`,
            order ? `an order was created for the shopper: ${order.paymentIntentId}` : 'no order was created',
          ],
        };
      },
    },
  ],
};
