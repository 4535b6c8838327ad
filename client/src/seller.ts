// /seller: the signed-in seller's area (the server sends this page to a live session only):
// who is signed in, sign-out, and the Connect embedded components of the seller's own account.
// Connect.js loads from connect-js.stripe.com at run time (never bundled) and asks our server
// for an Account Session whenever it needs one; the client secret stays in memory, in
// Connect.js's hands (https://docs.stripe.com/connect/get-started-connect-embedded-components).
// The `pure` entry injects nothing until loadConnectAndInitialize() is called
// (https://github.com/stripe/connect-js#importing-loadconnect-without-side-effects), so against
// the emulator's own origin its stand-in is on window.StripeConnect first (stand-in-script.ts).
import { loadConnectAndInitialize, type ConnectElementTagName } from '@stripe/connect-js/pure';
import { SELLER_SIGN_IN_ROUTE } from '../../common/api-contract';
import { ApiError, createAccountSession, getConfig, getSellerProfile, signOut } from './lib/api';
import { requireElement, showStatus } from './lib/dom';
import { loadStandInScript } from './lib/stand-in-script';

const email = requireElement('#seller-email', HTMLElement);
const status = requireElement('#status-message', HTMLElement);
const signOutButton = requireElement('#sign-out', HTMLButtonElement);
const components = requireElement('#connect-components', HTMLElement);

/** The components the server's Account Session enables, in the order the page shows them. */
const COMPONENTS: readonly ConnectElementTagName[] = [
  'notification-banner',
  'account-onboarding',
  'payments',
  'payouts',
  'account-management',
];

function fail(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    location.assign(SELLER_SIGN_IN_ROUTE);
    return;
  }
  status.hidden = false;
  showStatus(status, error instanceof ApiError ? error.message : 'Something went wrong. Reload the page.', 'error');
}

getSellerProfile().then((profile) => (email.textContent = profile.email), fail);

async function mountComponents(): Promise<void> {
  const config = await getConfig();
  await loadStandInScript(config.connectJsUrl, 'StripeConnect');
  const connect = loadConnectAndInitialize({
    publishableKey: config.publishableKey,
    // A signed-out seller's 401 sends them to sign in; Connect.js shows its own error otherwise.
    fetchClientSecret: () =>
      createAccountSession().catch((error: unknown) => {
        fail(error);
        throw error;
      }),
  });
  for (const name of COMPONENTS) {
    const section = document.createElement('section');
    section.className = 'connect-component';
    section.dataset.testid = `connect-${name}`;
    section.append(connect.create(name));
    components.append(section);
  }
}

mountComponents().catch(fail);

signOutButton.addEventListener('click', () => {
  signOutButton.disabled = true;
  signOut().then(() => location.assign(SELLER_SIGN_IN_ROUTE), fail);
});
