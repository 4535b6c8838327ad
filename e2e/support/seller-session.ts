// A signed-in seller in the browser without the passkey ceremony (e2e/seller-sign-in.spec.ts
// covers that): a seller row and a live session written to the app's database, and the
// session's __Host- cookie set in the browser context as sign-in sets it. And the virtual
// authenticator the specs that do the ceremony use.
import type { BrowserContext, CDPSession, Page } from '@playwright/test';
import { DEFAULT_SELLER_TIMEOUTS } from '../../server/src/config';
import { SESSION_COOKIE_NAME } from '../../server/src/security/session-cookie';
import { createSessionManager } from '../../server/src/sellers/sessions';
import { openSqliteDatabase } from '../../server/src/store/database';
import { createSellerStore, newSellerId, type Seller } from '../../server/src/store/seller-store';
import type { RunningApp } from './app-process';

export async function signInNewSeller(context: BrowserContext, app: RunningApp): Promise<Seller> {
  // Letters only: digits (a timestamp) can pass the Luhn check, and the store refuses a card number.
  const email = `maker-${newSellerId().slice(4)}@example.com`;
  const database = openSqliteDatabase(app.databaseFile);
  try {
    const store = createSellerStore(database);
    const seller = await store.createSeller(email);
    const id = await createSessionManager(store, DEFAULT_SELLER_TIMEOUTS).start(seller.id);
    await context.addCookies([
      { name: SESSION_COOKIE_NAME, value: id, url: app.baseURL, secure: true, httpOnly: true, sameSite: 'Strict' },
    ]);
    return seller;
  } finally {
    await database.close();
  }
}

/**
 * Chromium's virtual authenticator (CDP's WebAuthn domain) for `page`'s context, standing in for
 * a phone or a laptop's passkey store: discoverable credentials, user verification, no prompt.
 * https://chromedevtools.github.io/devtools-protocol/tot/WebAuthn/
 */
export async function addVirtualPasskeyStore(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}
