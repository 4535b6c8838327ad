// /seller: the signed-in seller's area (the server sends this page to a live session only).
// A placeholder for the Connect embedded components; for now, who is signed in and sign-out.
import { SELLER_SIGN_IN_ROUTE } from '../../common/api-contract';
import { ApiError, getSellerProfile, signOut } from './lib/api';
import { requireElement, showStatus } from './lib/dom';

const email = requireElement('#seller-email', HTMLElement);
const status = requireElement('#status-message', HTMLElement);
const signOutButton = requireElement('#sign-out', HTMLButtonElement);

function fail(error: unknown): void {
  if (error instanceof ApiError && error.status === 401) {
    location.assign(SELLER_SIGN_IN_ROUTE);
    return;
  }
  status.hidden = false;
  showStatus(status, error instanceof ApiError ? error.message : 'Something went wrong. Reload the page.', 'error');
}

getSellerProfile().then((profile) => (email.textContent = profile.email), fail);

signOutButton.addEventListener('click', () => {
  signOutButton.disabled = true;
  signOut().then(() => location.assign(SELLER_SIGN_IN_ROUTE), fail);
});
