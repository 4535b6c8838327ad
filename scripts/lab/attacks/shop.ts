// What the attacks need of the shop, through its public API like any client.
import { jsonOf, request, type LabTarget } from '../target';

export interface ShopProduct {
  id: string;
  unitAmount: number;
}

export async function firstProduct(target: LabTarget): Promise<ShopProduct> {
  const body = jsonOf(await request(target, 'GET', '/api/products')) as { products?: ShopProduct[] } | undefined;
  const product = body?.products?.[0];
  if (!product) throw new Error('The shop lists no product to attack with.');
  return product;
}

export interface PendingOrder {
  paymentIntentId: string;
  amount: number;
  currency: string;
  status: string;
}

/** The order as GET /api/orders/by-payment-intent/<id> shows it (the return page's lookup). */
export async function readOrder(target: LabTarget, paymentIntentId: string): Promise<PendingOrder> {
  const response = await request(target, 'GET', `/api/orders/by-payment-intent/${paymentIntentId}`);
  const order = jsonOf(response) as { amount: number; currency: string; status: string } | undefined;
  if (response.status !== 200 || !order) throw new Error(`Looking up the order of ${paymentIntentId} answered ${response.status}.`);
  return { paymentIntentId, amount: order.amount, currency: order.currency, status: order.status };
}

/** Starts a Payment Element order of one product as the shop's page would, and returns it pending. */
export async function startOrder(target: LabTarget, line: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await request(target, 'POST', '/api/payment-intents', { json: { items: [line] }, headers });
  const body = jsonOf(response) as { clientSecret?: string; error?: { code: string; message: string } } | undefined;
  // The client secret is `pi_…_secret_…`: the PaymentIntent's id is its first part.
  const paymentIntentId = body?.clientSecret?.split('_secret_')[0];
  return { response, error: body?.error, order: paymentIntentId ? await readOrder(target, paymentIntentId) : null };
}
