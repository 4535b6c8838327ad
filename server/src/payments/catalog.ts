// The catalog lives on the server: the browser sends product ids and quantities, never
// prices (https://docs.stripe.com/payments/checkout/how-checkout-works).

export interface Product {
  id: string;
  name: string;
  description: string;
  /** In the currency's smallest unit (cents). */
  unitAmount: number;
  currency: string;
  /** Served from our own origin (client/public/images), so img-src 'self' suffices. */
  image: string;
}

export const CATALOG: readonly Product[] = [
  {
    id: 'enamel-mug',
    name: 'Enamel camp mug',
    description: 'A speckled 350 ml enamel mug that survives campfires and office desks alike.',
    unitAmount: 1800,
    currency: 'usd',
    image: '/images/enamel-mug.svg',
  },
  {
    id: 'canvas-tote',
    name: 'Canvas tote bag',
    description: 'Heavy cotton canvas with an inside pocket, for groceries and laptops.',
    unitAmount: 2400,
    currency: 'usd',
    image: '/images/canvas-tote.svg',
  },
  {
    id: 'dot-notebook',
    name: 'Dot-grid notebook',
    description: 'A5, 160 numbered pages of 100 gsm paper that takes fountain pens.',
    unitAmount: 1500,
    currency: 'usd',
    image: '/images/dot-notebook.svg',
  },
];

export function findProduct(id: string): Product | undefined {
  return CATALOG.find((product) => product.id === id);
}
