// The hosted payment page (Stripe's `https://checkout.stripe.com/c/pay/cs_test_…`), rendered
// on the server and working without JavaScript. Field ids, test ids and structure match Stripe's
// own page so one Playwright spec drives either: the card fields sit in the card accordion item
// (`data-testid="card-accordion-item"`, which public suites click to open, e.g.
// stripe-samples/accept-a-payment spec/prebuilt_checkout_page_e2e_spec.rb), and 3-D Secure opens
// in frames over the page. Card fields are never written back into the page, not even after an
// error: a number typed here exists only in the POST that carries it.
import type Stripe from 'stripe';
import type { CardFormField, CardFormValues } from '../state/card-form';
import { amountText, html, type SafeHtml } from './html';
import { PAGE_STYLE_SOURCE, renderDocument } from './layout';

export interface PaymentFormState {
  error?: { field: CardFormField | null; message: string };
  values?: CardFormValues;
  /** The 3-D Secure challenge's outer frame (routes/stripe-js.ts), shown over the form. */
  challengeFrameUrl?: string;
}

export interface PaymentPageOptions {
  /** The account's business name: Checkout says whom the shopper pays. */
  businessName: string;
  state: PaymentFormState;
}

/** Stripe.js numbers its frames; one number is enough for the one challenge frame on a page. */
const CHALLENGE_FRAME_NUMBER = 3;

export function renderPaymentPage(
  session: Stripe.Checkout.Session,
  lineItems: readonly Stripe.LineItem[],
  { businessName, state }: PaymentPageOptions,
): string {
  const total = amountText(session.amount_total, session.currency);
  const invalid = (field: CardFormField) => (state.error?.field === field ? 'true' : 'false');
  const fieldError = (field: CardFormField): SafeHtml | null =>
    state.error?.field === field ? html`<p class="field-error" id="${field}-error">${state.error.message}</p>` : null;
  const email = session.customer_email ?? state.values?.email ?? '';
  const body = html`
    <p><span class="badge">TEST MODE</span></p>
    <h1 data-testid="business-name">Pay ${businessName}</h1>
    <p class="total" data-testid="product-summary-total-amount">${total}</p>
    <ul class="items">${lineItems.map((item) => html`<li><span>${item.description} × ${item.quantity}</span><span>${amountText(item.amount_total, item.currency)}</span></li>`)}</ul>
    ${state.error ? html`<div class="alert" role="alert" id="payment-error" data-testid="payment-error">${state.error.message}</div>` : null}
    <form method="post" action="./${session.id}" novalidate>
      <label for="email">Email</label>
      <input id="email" name="email" type="text" inputmode="email" autocomplete="email" value="${email}" aria-invalid="${invalid('email')}"${session.customer_email ? html` readonly` : null}>
      ${fieldError('email')}
      <details class="accordion-item" data-testid="card-accordion-item"${state.error || state.challengeFrameUrl ? html` open` : null}>
      <summary data-testid="card-accordion-item-button">Card</summary>
      <label for="cardNumber">Card information</label>
      <input id="cardNumber" name="cardNumber" type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234" aria-invalid="${invalid('cardNumber')}">
      ${fieldError('cardNumber')}
      <div class="row">
        <div><input id="cardExpiry" name="cardExpiry" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY" aria-label="Expiration" aria-invalid="${invalid('cardExpiry')}">${fieldError('cardExpiry')}</div>
        <div><input id="cardCvc" name="cardCvc" type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC" aria-label="CVC" aria-invalid="${invalid('cardCvc')}">${fieldError('cardCvc')}</div>
      </div>
      <label for="billingName">Cardholder name</label>
      <input id="billingName" name="billingName" type="text" autocomplete="cc-name" value="${state.values?.billingName ?? ''}" aria-invalid="${invalid('billingName')}">
      ${fieldError('billingName')}
      <label for="billingPostalCode">ZIP (optional)</label>
      <input id="billingPostalCode" name="billingPostalCode" type="text" autocomplete="postal-code" value="${state.values?.billingPostalCode ?? ''}">
      </details>
      <button type="submit" data-testid="hosted-payment-submit-button">Pay ${total}</button>
    </form>
    ${session.cancel_url ? html`<p><a id="cancel" data-testid="cancel-link" href="${session.cancel_url}">← Back (cancel payment)</a></p>` : null}
    <p class="note">Local Stripe emulator, test mode: use a Stripe test card (see emulator/README.md), never a real one.</p>
    ${state.challengeFrameUrl ? html`<div class="challenge"><iframe name="__privateStripeFrame${String(CHALLENGE_FRAME_NUMBER)}" title="3DS authentication challenge" src="${state.challengeFrameUrl}"></iframe></div>` : null}`;
  return renderDocument(`Pay ${businessName}`, body);
}

/** The page for a session that can no longer be paid (complete or expired). */
export function renderClosedPage(session: Stripe.Checkout.Session): string {
  const message =
    session.status === 'complete'
      ? 'This payment is already complete. Thanks for your order.'
      : 'This checkout session has expired. Go back and start again.';
  return renderDocument(
    'Checkout closed',
    html`<p><span class="badge">TEST MODE</span></p><h1 data-testid="session-closed">${message}</h1>
    ${session.status !== 'complete' && session.cancel_url ? html`<p><a id="cancel" href="${session.cancel_url}">← Back</a></p>` : null}`,
  );
}

/**
 * The page's CSP (`frame-src`: the 3-D Secure challenge's outer frame). `form-action` must allow the success and cancel URL origins because
 * Chrome applies it to the 303 redirect that follows the form POST:
 * https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function buildHostedPageCsp(session: Stripe.Checkout.Session | undefined, jsOrigin: string): string {
  const redirectOrigins = new Set<string>();
  for (const url of [session?.success_url, session?.cancel_url]) {
    if (url) redirectOrigins.add(new URL(url).origin);
  }
  return [
    "default-src 'none'",
    `style-src ${PAGE_STYLE_SOURCE}`,
    "img-src 'self' data:",
    `frame-src ${jsOrigin}`,
    `form-action 'self' ${[...redirectOrigins].join(' ')}`.trim(),
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/**
 * The embedded Checkout frame: only the page at the session's return_url origin may embed it
 * (https://www.w3.org/TR/CSP3/#directive-frame-ancestors); its one script tells that page the
 * payment is complete.
 */
export function buildEmbeddedPageCsp(session: Stripe.Checkout.Session | undefined, jsOrigin: string): string {
  const embedder = session?.return_url ? new URL(session.return_url).origin : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${PAGE_STYLE_SOURCE}`,
    "img-src 'self' data:",
    `frame-src ${jsOrigin}`,
    "form-action 'self'",
    `frame-ancestors ${embedder}`,
    "base-uri 'none'",
  ].join('; ');
}
