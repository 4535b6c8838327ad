// Destination charges against the emulator: a product a seller sells is paid to the platform
// and sent on to that seller's connected account, less PLATFORM_FEE_BPS; refused with a 409,
// writing no order, while the account cannot take charges; a cart of two sellers' products
// (or a seller's and the shop's) is a 400. Products come from the active catalog, the first
// one given a seller.
import { afterEach, describe, expect, it } from 'vitest';
import type { Catalog } from '../../common/catalog';
import { DEFAULT_PLATFORM_FEE_BPS } from '../src/config';
import { ensureConnectedAccount } from '../src/payments/connected-accounts';
import { platformFee } from '../src/payments/destination-charges';
import { itemAt, loadActiveCatalog } from '../../test-support/catalog';
import { countRows, startEmulatedApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';

const SELLER = 'maker@example.com';
const active = loadActiveCatalog();
const [first, ...rest] = active.products;
const CATALOG: Catalog = { ...active, products: [{ ...first!, seller: SELLER }, ...rest] };

let running: Awaited<ReturnType<typeof startEmulatedApp>> | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function post(app: TestApp, path: string, body: unknown) {
  return app.request(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

async function sellerWithAccount(app: TestApp) {
  const seller = await app.sellerStore.createSeller(SELLER);
  const account = await ensureConnectedAccount({ stripe: app.stripe, store: app.sellerStore }, seller);
  return account;
}

describe('destination charges', () => {
  it("refuses a seller's product, writing no order, until the seller's account can take charges; then charges to it with the platform fee", async () => {
    running = await startEmulatedApp({ catalog: CATALOG });
    const { app, emulator } = running;
    const items = [itemAt(CATALOG, 0, 2)];

    // No such seller yet, then a seller whose account is not onboarded: the same 409, nothing written.
    for (const setUp of [async () => undefined, () => sellerWithAccount(app)]) {
      const account = await setUp();
      for (const path of ['/api/payment-intents', '/api/checkout-sessions']) {
        const res = await post(app, path, { items });
        expect(res.status, res.text).toBe(409);
        expect(res.json()).toEqual({ error: { code: 'seller_cannot_take_charges', message: expect.any(String) } });
      }
      expect(await countRows(app.db, 'orders')).toBe(0);
      if (account) emulator.actions.onboardConnectedAccount(account);
    }

    const account = (await app.sellerStore.findSellerByEmail(SELLER))?.stripeAccountId ?? '';
    const amount = first!.unitAmount * 2;
    const res = await post(app, '/api/payment-intents', { items });
    expect(res.status, res.text).toBe(201);
    const intent = await app.stripe.paymentIntents.retrieve(
      (res.json() as { clientSecret: string }).clientSecret.split('_secret_')[0] ?? '',
    );
    expect(intent.amount).toBe(amount);
    expect(intent.transfer_data?.destination).toBe(account);
    expect(intent.application_fee_amount).toBe(platformFee(amount, DEFAULT_PLATFORM_FEE_BPS));

    const checkout = await post(app, '/api/checkout-sessions', { items });
    expect(checkout.status, checkout.text).toBe(201);
    expect(await countRows(app.db, 'orders')).toBe(2);
  });

  it("charges the shop's own products as before, and refuses a cart mixing a seller's product with another", async () => {
    running = await startEmulatedApp({ catalog: CATALOG, platformFeeBps: 250 });
    const { app, emulator } = running;
    emulator.actions.onboardConnectedAccount(await sellerWithAccount(app));
    if (CATALOG.products.length > 1) {
      const own = await post(app, '/api/payment-intents', { items: [itemAt(CATALOG, 1)] });
      expect(own.status, own.text).toBe(201);
      const intent = await app.stripe.paymentIntents.retrieve(
        (own.json() as { clientSecret: string }).clientSecret.split('_secret_')[0] ?? '',
      );
      expect(intent.transfer_data).toBeNull();
      expect(intent.application_fee_amount).toBeNull();

      const mixed = await post(app, '/api/payment-intents', { items: [itemAt(CATALOG, 0), itemAt(CATALOG, 1)] });
      expect(mixed.status).toBe(400);
      expect((mixed.json() as { error: { code: string } }).error.code).toBe('mixed_sellers');
      expect(await countRows(app.db, 'orders')).toBe(1);
    }
    const sold = await post(app, '/api/payment-intents', { items: [itemAt(CATALOG, 0)] });
    const intent = await app.stripe.paymentIntents.retrieve(
      (sold.json() as { clientSecret: string }).clientSecret.split('_secret_')[0] ?? '',
    );
    expect(intent.application_fee_amount).toBe(platformFee(first!.unitAmount, 250));
  });

  it('never shows who sells a product to the browser', async () => {
    running = await startEmulatedApp({ catalog: CATALOG });
    const res = await running.app.request('/api/products');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(SELLER);
    expect((res.json() as { products: object[] }).products.map((product) => Object.keys(product).includes('seller'))).not.toContain(true);
  });
});
