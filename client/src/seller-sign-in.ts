// /seller/sign-in: a passkey sign-in (WebAuthn through @simplewebauthn/browser). The server
// hands out a challenge, the browser asks the person to unlock a passkey for this site, and the
// server checks the signature and sets the session cookie; then on to the seller area.
import { startAuthentication } from '@simplewebauthn/browser';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import { SELLER_HOME_ROUTE } from '../../common/api-contract';
import { ApiError, getSignInOptions, signInWithPasskey } from './lib/api';
import { requireElement, showStatus } from './lib/dom';

const button = requireElement('#sign-in', HTMLButtonElement);
const status = requireElement('#status-message', HTMLElement);

button.addEventListener('click', () => {
  button.disabled = true;
  status.hidden = false;
  showStatus(status, 'Waiting for your passkey…');
  void signIn().finally(() => (button.disabled = false));
});

async function signIn(): Promise<void> {
  try {
    const optionsJSON = (await getSignInOptions()) as PublicKeyCredentialRequestOptionsJSON;
    const credential = await startAuthentication({ optionsJSON });
    await signInWithPasskey(credential);
    location.assign(SELLER_HOME_ROUTE);
  } catch (error) {
    showStatus(status, error instanceof ApiError ? error.message : 'The passkey prompt was closed or failed. Try again.', 'error');
  }
}
