// The seller area in Chromium under the production CSP, with Chromium's virtual authenticator
// standing in for a phone or a laptop's passkey store (CDP's WebAuthn domain): a seller added
// with the CLI's function enrols a passkey from the one-time link, signs out, is kept out of
// /seller, signs in with the passkey and sees /seller again.
// https://chromedevtools.github.io/devtools-protocol/tot/WebAuthn/
import { expect, test } from './support/fixtures';
import { DEFAULT_SELLER_TIMEOUTS } from '../server/src/config';
import { SESSION_COOKIE_NAME } from '../server/src/security/session-cookie';
import { addSeller } from '../server/src/sellers/enrolment';
import { openSqliteDatabase } from '../server/src/store/database';
import { createSellerStore, newSellerId } from '../server/src/store/seller-store';
import { SELLER_HOME_ROUTE, SELLER_SIGN_IN_ROUTE } from '../common/api-contract';
import { addVirtualPasskeyStore } from './support/seller-session';

// The seller area takes no card: the watcher still checks CSP, Permissions-Policy and script errors.
test.use({ paysByCard: false });

test('a seller enrols a passkey from the link, signs out, and signs in with it', async ({ page, app }) => {
  // Letters only: digits (a timestamp) can pass the Luhn check, and the store refuses a card number.
  const email = `maker-${newSellerId().slice(4)}@example.com`;
  const database = openSqliteDatabase(app.databaseFile);
  const link = await addSeller(createSellerStore(database), {
    email,
    publicUrl: app.baseURL,
    linkMs: DEFAULT_SELLER_TIMEOUTS.enrolLinkMs,
  }).finally(() => database.close());

  const { cdp, authenticatorId } = await addVirtualPasskeyStore(page);

  // Enrol: the link's page creates a passkey, the server signs the seller in.
  await page.goto(link.url);
  await page.getByTestId('enrol').click();
  await page.waitForURL(new URL(SELLER_HOME_ROUTE, app.baseURL).href);
  await expect(page.getByTestId('seller-email')).toHaveText(email);
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  expect(credentials).toHaveLength(1);
  expect(credentials[0]?.isResidentCredential).toBe(true);
  expect(credentials[0]?.rpId).toBe('localhost');

  const session = (await page.context().cookies()).filter((cookie) => cookie.name === SESSION_COOKIE_NAME);
  expect(session.map(({ path, secure, httpOnly, sameSite }) => ({ path, secure, httpOnly, sameSite }))).toEqual([
    { path: '/', secure: true, httpOnly: true, sameSite: 'Strict' },
  ]);
  expect(await page.evaluate(() => document.cookie)).toBe('');

  // Sign out: the cookie goes, and /seller sends the visitor to the sign-in page.
  await page.getByTestId('sign-out').click();
  await page.waitForURL(new URL(SELLER_SIGN_IN_ROUTE, app.baseURL).href);
  expect((await page.context().cookies()).filter((cookie) => cookie.name === SESSION_COOKIE_NAME)).toEqual([]);
  await page.goto(SELLER_HOME_ROUTE);
  await page.waitForURL(new URL(SELLER_SIGN_IN_ROUTE, app.baseURL).href);

  // Sign in with the passkey (discoverable: no e-mail asked), with a new session id.
  await page.getByTestId('sign-in').click();
  await page.waitForURL(new URL(SELLER_HOME_ROUTE, app.baseURL).href);
  await expect(page.getByTestId('seller-email')).toHaveText(email);
  const signedIn = (await page.context().cookies()).find((cookie) => cookie.name === SESSION_COOKIE_NAME);
  expect(signedIn?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(signedIn?.value).not.toBe(session[0]?.value);

  // The link worked once.
  await page.goto(link.url);
  await page.getByTestId('enrol').click();
  await expect(page.getByTestId('status-message')).toHaveText('This set-up link has been used or has expired. Ask the shop for a new one.');
});
