// A seller's whole journey through the Connect embedded components, in Chromium under the
// production CSP: added with the CLI's function, a passkey enrolled from the one-time link
// (Chromium's virtual authenticator), onboarding through the onboarding component, a shopper
// buying that seller's product (a destination charge with the platform's fee), the seller
// refunding it in the payments component, and the order becoming refunded. Along the way no
// request, row or log line may hold the Account Session's client secret, and neither a signed-out
// visitor nor another seller may obtain that seller's session.
// https://docs.stripe.com/connect/get-started-connect-embedded-components
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { BrowserContext, Page, Request } from '@playwright/test';
import { startApp, type RunningApp } from './support/app-process';
import { readOrderBySession } from './support/database';
import { expect, test } from './support/fixtures';
import { CARDS, payWithCard, startCheckout } from './support/hosted-checkout';
import { watchContext } from './support/page-watch';
import { addVirtualPasskeyStore, signInNewSeller } from './support/seller-session';
import { createStripeClient } from './support/stripe-api';
import type { Product } from '../common/catalog';
import { formatAmount } from '../common/currency';
import { SELLER_API, SELLER_HOME_ROUTE, SELLER_SIGN_IN_ROUTE, type SellerAccountSession } from '../common/api-contract';
import { DEFAULT_PLATFORM_FEE_BPS, DEFAULT_SELLER_TIMEOUTS } from '../server/src/config';
import { platformFee } from '../server/src/payments/destination-charges';
import { addSeller } from '../server/src/sellers/enrolment';
import { openSqliteDatabase } from '../server/src/store/database';
import { createSellerStore, newSellerId } from '../server/src/store/seller-store';
import { loadActiveCatalog, loadCatalogForTests, productAt } from '../test-support/catalog';
import { routeStripeToEmulator } from '../test-support/stripe-routing';
import { emulatorOnly } from '../test-support/emulator-only';

/** Not the default, so the test shows the configured fee is the one charged. */
const PLATFORM_FEE_BPS = DEFAULT_PLATFORM_FEE_BPS + 250;

interface SellerShop {
  /** The seller the catalog names; not added yet (the test adds them as the CLI does). */
  email: string;
  /** The one product of that seller's, added to the active catalog. */
  product: Product;
  catalogFile: string;
}

const JOURNEY =
  "Fills the emulator's onboarding form (Stripe's own onboarding component asks for a person's details over many steps) " +
  'and runs an app with a catalog of its own naming a seller added during the test.';

/**
 * Each test gets an app of its own: the active catalog plus one product of a seller of its own
 * (the catalog names the seller by e-mail, so a second run needs a new seller and a new app).
 */
const journeyTest = test.extend<{ sellerShop: SellerShop }>({
  // Playwright requires the destructuring pattern even when a fixture needs nothing.
  // eslint-disable-next-line no-empty-pattern
  sellerShop: async ({}, use, testInfo) => {
    const catalog = loadActiveCatalog();
    const model = productAt(catalog, 0);
    const taken = new Set(catalog.products.map((product) => product.id));
    let id = 'maker-goods';
    while (taken.has(id)) id = `${id}-x`;
    // Letters only: digits (a timestamp) can pass the Luhn check, and the store refuses a card number.
    const email = `maker-${newSellerId().slice(4)}@example.com`;
    const product: Product = { ...model, id, name: `${model.name} (maker's own)`, seller: email };
    const catalogFile = testInfo.outputPath('catalog.json');
    await mkdir(testInfo.outputDir, { recursive: true });
    await writeFile(catalogFile, JSON.stringify({ currency: catalog.currency, products: [...catalog.products, product] }, null, 2));
    // The server's own loader, so a catalog the app would refuse fails here with its message.
    expect(loadCatalogForTests(catalogFile).products.map((p) => p.id)).toEqual([...catalog.products.map((p) => p.id), id]);
    await use({ email, product, catalogFile });
  },
  app: [
    async ({ sellerShop, stripeMode }, use) => {
      expect(stripeMode, 'the journey runs against the emulator only').toBe('emulated');
      const app = await startApp('emulated', {
        env: { CATALOG_FILE: sellerShop.catalogFile, PLATFORM_FEE_BPS: String(PLATFORM_FEE_BPS) },
      });
      await use(app);
      await app.stop();
    },
    { scope: 'test', timeout: 90_000 },
  ],
});

/** Every client secret our server hands to pages of `context`. */
function captureClientSecrets(context: BrowserContext, app: RunningApp): string[] {
  const secrets: string[] = [];
  context.on('response', (response) => {
    if (response.url() !== new URL(SELLER_API.accountSession, app.baseURL).href || response.status() !== 200) return;
    void response.json().then((body: SellerAccountSession) => secrets.push(body.clientSecret));
  });
  return secrets;
}

/** Every request a context sends to our origin, for searching them afterwards. */
function captureOurRequests(context: BrowserContext, app: RunningApp): Request[] {
  const requests: Request[] = [];
  context.on('request', (request) => {
    if (new URL(request.url()).origin === app.baseURL) requests.push(request);
  });
  return requests;
}

/** A browser context like the test's own: Stripe's origins routed to the emulator, the same watcher. */
async function newWatchedContext(page: Page, app: RunningApp) {
  const browser = page.context().browser();
  if (!browser) throw new Error('No browser');
  const context = await browser.newContext({ baseURL: app.baseURL, ignoreHTTPSErrors: true });
  if (app.emulatorOrigin) await routeStripeToEmulator(context, app.emulatorOrigin);
  return { context, watcher: await watchContext(context, app) };
}

function sellerAccountId(app: RunningApp, email: string): Promise<string> {
  const database = openSqliteDatabase(app.databaseFile);
  return createSellerStore(database)
    .findSellerByEmail(email)
    .then((seller) => seller?.stripeAccountId ?? '')
    .finally(() => database.close());
}

const component = (page: Page, name: string) => page.frameLocator(`iframe[name="stripe-connect-${name}"]`);

journeyTest.describe('the Connect journey', emulatorOnly(JOURNEY), () => {
  journeyTest(
    'a seller onboards, a shopper buys, the seller refunds in the payments component, the order is refunded',
    async ({ page, app, sellerShop, typedCardNumbers }) => {
      const stripe = createStripeClient(app);
      const secrets = captureClientSecrets(page.context(), app);
      const ourRequests = captureOurRequests(page.context(), app);

      // The operator adds the seller (`npm run seller -- add`), who enrols a passkey from the link.
      const database = openSqliteDatabase(app.databaseFile);
      const link = await addSeller(createSellerStore(database), {
        email: sellerShop.email,
        publicUrl: app.baseURL,
        linkMs: DEFAULT_SELLER_TIMEOUTS.enrolLinkMs,
      }).finally(() => database.close());
      await addVirtualPasskeyStore(page);
      await page.goto(link.url);
      await page.getByTestId('enrol').click();
      await page.waitForURL(new URL(SELLER_HOME_ROUTE, app.baseURL).href);
      await expect(page.getByTestId('seller-email')).toHaveText(sellerShop.email);

      // Not onboarded yet.
      const onboarding = component(page, 'account-onboarding');
      await expect(onboarding.locator('#onboarding-form')).toBeVisible();
      const accountId = await sellerAccountId(app, sellerShop.email);
      expect(accountId).toMatch(/^acct_/);
      expect(await stripe.accounts.retrieve(accountId)).toMatchObject({ details_submitted: false, charges_enabled: false });

      // Onboarding through the component, in its frame on connect-js.stripe.com.
      expect(
        page
          .frames()
          .find((frame) => frame.name() === 'stripe-connect-account-onboarding')
          ?.url(),
      ).toMatch(/^https:\/\/connect-js\.stripe\.com\//);
      // By keyboard: the components above this one render late and grow, moving its frame between
      // Playwright's aim and its click (e2e/support/seller-page-on-emulator.ts).
      await onboarding.locator('#tosAccepted').press('Space');
      await expect(onboarding.locator('#tosAccepted')).toBeChecked();
      await onboarding.getByRole('button', { name: 'Submit' }).press('Enter');
      await expect(onboarding.getByRole('heading', { name: 'Onboarding complete' })).toBeVisible();
      expect(await stripe.accounts.retrieve(accountId)).toMatchObject({
        details_submitted: true,
        charges_enabled: true,
        payouts_enabled: true,
      });

      // A shopper, in a browser context of their own and not signed in, buys the seller's product.
      const shopper = await newWatchedContext(page, app);
      const shopperRequests = captureOurRequests(shopper.context, app);
      const shop = await shopper.context.newPage();
      const { checkoutSessionId, productId } = await startCheckout(shop, 1, sellerShop.product.id);
      expect(productId).toBe(sellerShop.product.id);
      await payWithCard(shop, typedCardNumbers, CARDS.visa);
      await shop.waitForURL(`${app.baseURL}/success?session_id=${checkoutSessionId}`);
      await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('paid');
      const order = readOrderBySession(app.databaseFile, checkoutSessionId);
      expect(order?.amount).toBe(sellerShop.product.unitAmount);

      // A destination charge: to the seller's account, less the configured platform fee.
      const paymentIntent = await stripe.paymentIntents.retrieve(String(order?.['payment_intent_id']));
      expect({
        amount: paymentIntent.amount,
        destination: paymentIntent.transfer_data?.destination,
        applicationFee: paymentIntent.application_fee_amount,
      }).toEqual({
        amount: sellerShop.product.unitAmount,
        destination: accountId,
        applicationFee: platformFee(sellerShop.product.unitAmount, PLATFORM_FEE_BPS),
      });
      const chargeId = String(paymentIntent.latest_charge);

      // The seller sees the payment in the payments component and refunds it there.
      await page.reload();
      const payments = component(page, 'payments');
      const row = payments.locator(`tr[data-payment="${chargeId}"]`);
      await expect(payments.locator('tr[data-payment]')).toHaveCount(1);
      await expect(row).toContainText('Succeeded');
      await expect(row).toContainText(formatAmount(sellerShop.product.unitAmount, loadActiveCatalog().currency, 'en-US'));
      await row.getByRole('button', { name: 'Refund' }).press('Enter'); // by keyboard, as onboarding above
      await expect(row).toContainText('Refunded');
      await expect(row.getByRole('button', { name: 'Refund' })).toHaveCount(0);

      // The order is refunded, in the database and on the shopper's page; the seller's transfer is reversed.
      await expect.poll(() => readOrderBySession(app.databaseFile, checkoutSessionId)?.status).toBe('refunded');
      await shop.reload();
      await expect(shop.getByTestId('status-message')).toHaveText(/refunded/);
      const charge = await stripe.charges.retrieve(chargeId);
      expect({ refunded: charge.refunded, amountRefunded: charge.amount_refunded }).toEqual({
        refunded: true,
        amountRefunded: sellerShop.product.unitAmount,
      });
      const transfer = await stripe.transfers.retrieve(String(charge.transfer));
      expect({ destination: transfer.destination, reversed: transfer.reversed }).toEqual({ destination: accountId, reversed: true });

      // Another seller, signed in, gets a session for their own account only: their components
      // name their own account and list none of the first seller's payments.
      const other = await newWatchedContext(page, app);
      const otherSeller = await signInNewSeller(other.context, app);
      const otherSecrets = captureClientSecrets(other.context, app);
      const otherRequests = captureOurRequests(other.context, app);
      const otherPage = await other.context.newPage();
      const opened: string[] = [];
      otherPage.on('response', (response) => {
        if (response.url().startsWith('https://connect-js.stripe.com/') && new URL(response.url()).pathname.endsWith('/api/session'))
          void response.json().then((body: { account: string }) => opened.push(body.account));
      });
      await otherPage.goto(SELLER_HOME_ROUTE);
      await expect(otherPage.getByTestId('seller-email')).toHaveText(otherSeller.email);
      await expect(component(otherPage, 'payments').getByText('No payments yet.')).toBeVisible();
      const otherAccountId = await sellerAccountId(app, otherSeller.email);
      expect(otherAccountId).toMatch(/^acct_/);
      expect(otherAccountId).not.toBe(accountId);
      await expect(component(otherPage, 'account-management').locator('dd').first()).toHaveText(otherAccountId);
      await expect.poll(() => opened.length).toBeGreaterThan(0);
      expect(new Set(opened)).toEqual(new Set([otherAccountId]));

      // The client secrets went to the sellers' pages and nowhere else of ours.
      expect(secrets.length, "client secrets handed to the first seller's page").toBeGreaterThan(0);
      expect(otherSecrets.length, "client secrets handed to the other seller's page").toBeGreaterThan(0);
      const allSecrets = [...secrets, ...otherSecrets];
      for (const secret of allSecrets) expect(secret).toMatch(/_secret_/);
      const files = [app.logFile, app.databaseFile, `${app.databaseFile}-wal`];
      for (const file of files) {
        const contents = await readFile(file, 'latin1').catch(() => '');
        expect(contents.length, `${file} was read`).toBeGreaterThan(0);
        expect(
          allSecrets.filter((secret) => contents.includes(secret)),
          `client secrets in ${file}`,
        ).toEqual([]);
      }
      const sent = await Promise.all(
        [...ourRequests, ...shopperRequests, ...otherRequests].map(async (request) =>
          [request.url(), JSON.stringify(await request.allHeaders()), request.postDataBuffer()?.toString('latin1') ?? ''].join('\n'),
        ),
      );
      expect(sent.length).toBeGreaterThan(0);
      expect(
        sent.filter((text) => allSecrets.some((secret) => text.includes(secret))),
        'requests to our server carrying a client secret',
      ).toEqual([]);

      for (const context of [shopper, other]) {
        await context.watcher.expectClean({ typedCardNumbers, passed: true });
        await context.context.close();
      }
    },
  );
});

test.describe('a signed-out visitor', () => {
  test.use({ paysByCard: false });

  test('cannot obtain an account session, and /seller sends them to sign in', async ({ page, app }) => {
    await page.goto('/');
    const answer = await page.evaluate(async (path) => {
      const response = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      return { status: response.status, body: (await response.json()) as unknown };
    }, SELLER_API.accountSession);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'not_signed_in' } });
    await page.goto(SELLER_HOME_ROUTE);
    await page.waitForURL(new URL(SELLER_SIGN_IN_ROUTE, app.baseURL).href);
  });
});
