// The hosted payment page (Stripe's `https://checkout.stripe.com/c/pay/cs_test_…`), rendered
// on the server and working without JavaScript. Field ids and test ids match Stripe's own
// page so one Playwright spec drives either. Card fields are never written back into the
// page, not even after an error: a number typed here exists only in the POST that carries it.
import type Stripe from 'stripe';
import type { CardFormField, CardFormValues } from './card-form';
import { formatAmount, html, SafeHtml, styleHashSource } from './html';

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:420px;margin:40px auto;padding:24px;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08)}
.badge{display:inline-block;background:#ffde92;color:#6b4e00;font-size:12px;font-weight:600;padding:2px 6px;border-radius:4px}
h1{font-size:20px;margin:12px 0 4px}.total{font-size:28px;font-weight:600;margin:0 0 16px}
ul.items{list-style:none;padding:0;margin:0 0 16px;color:#4f566b}ul.items li{display:flex;justify-content:space-between}
label{display:block;font-size:13px;margin:12px 0 4px;color:#4f566b}
input{box-sizing:border-box;width:100%;padding:10px;border:1px solid #cfd7df;border-radius:6px;font-size:16px}
input[aria-invalid=true]{border-color:#df1b41}.row{display:flex;gap:8px}.row>div{flex:1}
.field-error,.alert{color:#df1b41;font-size:13px;margin:4px 0}.alert{padding:10px;border:1px solid #df1b41;border-radius:6px}
button{width:100%;margin-top:20px;padding:12px;border:0;border-radius:6px;background:#0074d4;color:#fff;font-size:16px;font-weight:600}
a{color:#0074d4}.note{font-size:12px;color:#697386;margin-top:16px}
button.secondary{background:#fff;color:#df1b41;border:1px solid #df1b41;margin-top:8px}
body.frame{background:transparent}body.frame main{margin:0;max-width:none;box-shadow:none;padding:4px}
`;

/** Precomputed once: the page's only style, allowed by hash. */
export const HOSTED_PAGE_STYLE_SOURCE = styleHashSource(CSS);

export interface PaymentFormState {
  error?: { field: CardFormField | null; message: string };
  values?: CardFormValues;
}

export function renderPaymentPage(session: Stripe.Checkout.Session, lineItems: readonly Stripe.LineItem[], state: PaymentFormState): string {
  const total = formatAmount(session.amount_total, session.currency);
  const invalid = (field: CardFormField) => (state.error?.field === field ? 'true' : 'false');
  const fieldError = (field: CardFormField): SafeHtml | null =>
    state.error?.field === field ? html`<p class="field-error" id="${field}-error">${state.error.message}</p>` : null;
  const email = session.customer_email ?? state.values?.email ?? '';
  const body = html`
    <p><span class="badge">TEST MODE</span></p>
    <h1>Pay Stripe Secure Starter</h1>
    <p class="total" data-testid="product-summary-total-amount">${total}</p>
    <ul class="items">${lineItems.map((item) => html`<li><span>${item.description} × ${item.quantity}</span><span>${formatAmount(item.amount_total, item.currency)}</span></li>`)}</ul>
    ${state.error ? html`<div class="alert" role="alert" id="payment-error" data-testid="payment-error">${state.error.message}</div>` : null}
    <form method="post" action="./${session.id}" novalidate>
      <label for="email">Email</label>
      <input id="email" name="email" type="text" inputmode="email" autocomplete="email" value="${email}" aria-invalid="${invalid('email')}"${session.customer_email ? html` readonly` : null}>
      ${fieldError('email')}
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
      <button type="submit" data-testid="hosted-payment-submit-button">Pay ${total}</button>
    </form>
    ${session.cancel_url ? html`<p><a id="cancel" data-testid="cancel-link" href="${session.cancel_url}">← Back (cancel payment)</a></p>` : null}
    <p class="note">Local Stripe emulator, test mode: use a Stripe test card (see emulator/README.md), never a real one.</p>`;
  return renderDocument('Pay', body);
}

/** The page for a session that can no longer be paid (complete or expired). */
export function renderClosedPage(session: Stripe.Checkout.Session): string {
  const message =
    session.status === 'complete' ? 'This payment is already complete. Thanks for your order.' : 'This checkout session has expired. Go back and start again.';
  return renderDocument(
    'Checkout closed',
    html`<p><span class="badge">TEST MODE</span></p><h1 data-testid="session-closed">${message}</h1>
    ${session.status !== 'complete' && session.cancel_url ? html`<p><a id="cancel" href="${session.cancel_url}">← Back</a></p>` : null}`,
  );
}

/**
 * A step from one Stripe origin to another (Checkout -> hooks for 3-D Secure, and back) is a
 * new navigation rather than a 3xx: Playwright routes only the first request of a redirect
 * chain, so a browser test could not follow a redirect to https://hooks.stripe.com.
 * https://playwright.dev/docs/api/class-route#route-fulfill
 */
export function renderContinuePage(url: string, framed: boolean): string {
  return renderDocument('Continue', html`<p>Continuing… <a id="continue" href="${url}">Continue</a></p>`, { framed, refreshTo: url });
}

export function renderNotFoundPage(): string {
  return renderDocument('Not found', html`<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>`);
}

export interface DocumentOptions {
  /** A page shown inside a frame (no card chrome around it). */
  framed?: boolean;
  /** A same-origin script (path), for the few pages that must talk to their embedder. */
  script?: string;
  /** What notify-parent.js posts, and to which origin (checked by the server first). */
  notify?: { message: Record<string, unknown>; targetOrigin: string };
  /** Navigate on to this URL at once (see `renderContinuePage`). */
  refreshTo?: string;
}

/** Every emulator page shares this shell, so one style hash covers them all. */
export function renderDocument(title: string, body: SafeHtml, options: DocumentOptions = {}): string {
  const notify = options.notify;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${options.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${options.refreshTo}">` : null}<title>${title} · Stripe emulator</title><style>${new SafeHtml(CSS)}</style></head>
<body${options.framed ? html` class="frame"` : null}${notify ? html` data-message="${JSON.stringify({ source: 'stripe-emulator', ...notify.message })}" data-target-origin="${notify.targetOrigin}"` : null}><main>${body}</main>${options.script ? html`<script src="${options.script}"></script>` : null}</body></html>`.value;
}

/**
 * The page's CSP. `form-action` must allow the success and cancel URL origins because
 * Chrome applies it to the 303 redirect that follows the form POST:
 * https://www.w3.org/TR/CSP3/#directive-form-action
 */
export function buildHostedPageCsp(session: Stripe.Checkout.Session | undefined): string {
  const redirectOrigins = new Set<string>();
  for (const url of [session?.success_url, session?.cancel_url]) {
    if (url) redirectOrigins.add(new URL(url).origin);
  }
  return [
    "default-src 'none'",
    `style-src ${HOSTED_PAGE_STYLE_SOURCE}`,
    "img-src 'self' data:",
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
export function buildEmbeddedPageCsp(session: Stripe.Checkout.Session | undefined): string {
  const embedder = session?.return_url ? new URL(session.return_url).origin : "'none'";
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${HOSTED_PAGE_STYLE_SOURCE}`,
    "img-src 'self' data:",
    "form-action 'self'",
    `frame-ancestors ${embedder}`,
    "base-uri 'none'",
  ].join('; ');
}
