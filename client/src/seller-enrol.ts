// /seller/enrol?token=…: the one-time link `npm run seller -- add <email>` prints. Creates a
// passkey for this site (WebAuthn through @simplewebauthn/browser); the server checks it,
// spends the link and signs the seller in.
import { startRegistration } from '@simplewebauthn/browser';
import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import { SELLER_HOME_ROUTE } from '../../common/api-contract';
import { ApiError, enrolPasskey, getEnrolOptions } from './lib/api';
import { requireElement, showStatus } from './lib/dom';

const button = requireElement('#enrol', HTMLButtonElement);
const status = requireElement('#status-message', HTMLElement);
const token = new URLSearchParams(location.search).get('token') ?? '';

if (token === '') {
  button.disabled = true;
  status.hidden = false;
  showStatus(status, 'This page needs the set-up link the shop gave you.', 'error');
}

button.addEventListener('click', () => {
  button.disabled = true;
  status.hidden = false;
  showStatus(status, 'Creating your passkey…');
  void enrol().finally(() => (button.disabled = false));
});

async function enrol(): Promise<void> {
  try {
    const optionsJSON = (await getEnrolOptions(token)) as PublicKeyCredentialCreationOptionsJSON;
    const credential = await startRegistration({ optionsJSON });
    await enrolPasskey(token, credential);
    location.assign(SELLER_HOME_ROUTE);
  } catch (error) {
    showStatus(status, error instanceof ApiError ? error.message : 'The passkey prompt was closed or failed. Try again.', 'error');
  }
}
