// A signed-in seller in the browser without the passkey ceremony (e2e/seller-sign-in.spec.ts
// covers that): a seller row and a live session written to the app's database, and the
// session's __Host- cookie set in the browser context as sign-in sets it.
import type { BrowserContext } from '@playwright/test';
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
