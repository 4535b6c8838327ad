// Runs inside the Payment Element frame (js origin). It owns the card fields: the merchant
// page only ever gets `ready`, `change` (complete/empty) and the confirmation result. The
// number goes from here to the API origin with the publishable key and the client secret.
// The parent origin comes from the `origin` query parameter, which the frame's CSP
// `frame-ancestors` makes the browser enforce, so messages go to that origin only.
import type { PublicOrigins } from '../context';
import { isLuhnValid } from '../state/test-cards';

// The emulator's own type, erased by esbuild: the browser receives the values, not the module.
declare const STRIPE_EMULATOR_ORIGINS: PublicOrigins;
export {}; // a module: nothing here is global
const ORIGINS = STRIPE_EMULATOR_ORIGINS;

const parentOrigin = new URLSearchParams(window.location.search).get('origin') ?? '';
const secrets = new URLSearchParams(window.location.hash.slice(1));
const publishableKey = secrets.get('key') ?? '';
const clientSecret = secrets.get('clientSecret') ?? '';
// Out of the address bar and history once read.
history.replaceState(null, '', `${window.location.pathname}${window.location.search}`);

function field(name: string): HTMLInputElement {
  const input = document.querySelector<HTMLInputElement>(`input[name="${name}"]`);
  if (!input) throw new Error(`missing field ${name}`);
  return input;
}

const number = field('number');
const expiry = field('expiry');
const cvc = field('cvc');
const postalCode = field('postalCode');
const errorBox = document.getElementById('payment-error');
const cardTab = document.getElementById('card-tab');
const cardPanel = document.getElementById('card-panel');

// The card fields open under their tab, as in Stripe's Payment Element, so a test (or a
// shopper) picks the card tab first: https://docs.stripe.com/payments/payment-element#layout
cardTab?.addEventListener('click', () => {
  cardTab.setAttribute('aria-selected', 'true');
  if (cardPanel) cardPanel.hidden = false;
  number.focus();
});

function post(message: Record<string, unknown>): void {
  window.parent.postMessage({ source: 'stripe-emulator', ...message }, parentOrigin);
}

interface CardValues {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** The first problem, with Stripe's wording, or the values. */
function readCard(): { ok: true; card: CardValues } | { ok: false; code: string; message: string } {
  const digits = number.value.replace(/[\s-]/g, '');
  if (!digits) return { ok: false, code: 'incomplete_number', message: 'Your card number is incomplete.' };
  if (!isLuhnValid(digits)) return { ok: false, code: 'invalid_number', message: 'Your card number is invalid.' };
  const match = /^(\d{1,2})\s*\/?\s*(\d{2}|\d{4})$/.exec(expiry.value.trim());
  if (!match?.[1] || !match[2] || Number(match[1]) < 1 || Number(match[1]) > 12) {
    return { ok: false, code: 'incomplete_expiry', message: "Your card's expiration date is incomplete." };
  }
  const expMonth = Number(match[1]);
  const expYear = match[2].length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  const now = new Date();
  if (expYear < now.getFullYear() || (expYear === now.getFullYear() && expMonth < now.getMonth() + 1)) {
    return { ok: false, code: 'invalid_expiry_year_past', message: "Your card's expiration year is in the past." };
  }
  const cvcDigits = cvc.value.trim();
  if (!new RegExp(`^\\d{${/^3[47]/.test(digits) ? 4 : 3}}$`).test(cvcDigits)) {
    return { ok: false, code: 'incomplete_cvc', message: "Your card's security code is incomplete." };
  }
  return { ok: true, card: { number: digits, expMonth, expYear, cvc: cvcDigits } };
}

function showError(message: string | null): void {
  if (!errorBox) return;
  errorBox.textContent = message ?? '';
  errorBox.hidden = message === null;
}

function reportChange(): void {
  const empty = [number, expiry, cvc].every((input) => input.value.trim() === '');
  post({ type: 'change', empty, complete: readCard().ok });
}

async function confirm(returnUrl: string | null): Promise<void> {
  const card = readCard();
  if (!card.ok) {
    showError(card.message);
    post({ type: 'confirm-result', error: { type: 'validation_error', code: card.code, message: card.message } });
    return;
  }
  showError(null);
  const intentId = clientSecret.split('_secret_')[0] ?? '';
  const body = new URLSearchParams({
    key: publishableKey,
    client_secret: clientSecret,
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': card.card.number,
    'payment_method_data[card][exp_month]': String(card.card.expMonth),
    'payment_method_data[card][exp_year]': String(card.card.expYear),
    'payment_method_data[card][cvc]': card.card.cvc,
  });
  if (postalCode.value.trim()) body.set('payment_method_data[billing_details][address][postal_code]', postalCode.value.trim());
  if (returnUrl) body.set('return_url', returnUrl);
  try {
    // A form body and no custom header: a CORS "simple request", as Stripe.js sends it.
    const response = await fetch(`${ORIGINS.api}/v1/payment_intents/${encodeURIComponent(intentId)}/confirm`, { method: 'POST', body });
    const answer: unknown = await response.json();
    if (typeof answer !== 'object' || answer === null) throw new Error('not JSON');
    const error: unknown = Reflect.get(answer, 'error');
    if (!response.ok && typeof error === 'object' && error !== null) {
      const message: unknown = Reflect.get(error, 'message');
      if (Reflect.get(error, 'type') === 'card_error' && typeof message === 'string') showError(message);
      post({ type: 'confirm-result', error });
      return;
    }
    post({ type: 'confirm-result', paymentIntent: answer });
  } catch {
    post({ type: 'confirm-result', error: { type: 'api_connection_error', message: 'Could not reach the Stripe API.' } });
  }
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.origin !== parentOrigin || event.source !== window.parent) return;
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || Reflect.get(data, 'source') !== 'stripe-emulator') return;
  if (Reflect.get(data, 'type') === 'confirm') {
    const returnUrl: unknown = Reflect.get(data, 'returnUrl');
    void confirm(typeof returnUrl === 'string' ? returnUrl : null);
  }
});

for (const input of [number, expiry, cvc, postalCode]) input.addEventListener('input', reportChange);
if (parentOrigin) post({ type: 'ready' });
