// The emulator's root page: what happened, for people in a workshop (like the event log in
// Stripe's Dashboard). Cards appear only as brand and last4; the store holds nothing more.
import type Stripe from 'stripe';
import { amountText, formatTime, html, SafeHtml, styleHashSource } from './html';
import type { EmulatorStore } from '../store';

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:24px;color:#1a1f36}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e8ee}
th{background:#f6f9fc}code{font-size:12px}.ok{color:#0e6245}.bad{color:#df1b41}.muted{color:#697386}
form.action{display:inline;margin-right:4px}form.action button{font-size:12px;padding:2px 8px}
`;

// Actions are same-origin POST forms: `form-action 'self'`, and the server checks Origin.
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `style-src ${styleHashSource(CSS)}`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

const MAX_ROWS = 200;

export function renderDashboard(store: EmulatorStore, info: { url: string; endpoints: readonly string[] }): string {
  const sessions = [...store.sessions.values()].reverse().slice(0, MAX_ROWS);
  const intents = [...store.paymentIntents.values()].reverse().slice(0, MAX_ROWS);
  const events = [...store.events].reverse().slice(0, MAX_ROWS);
  const attempts = [...store.webhookAttempts].reverse().slice(0, MAX_ROWS);
  const body = html`
<h1>Local Stripe emulator <span class="muted">(test mode)</span></h1>
<p class="muted">API: <code>${info.url}</code>. Webhook endpoints: ${info.endpoints.length ? info.endpoints.join(', ') : 'none configured'}. This page refreshes every 5 seconds.</p>
<h2>Checkout Sessions</h2>
${table(
  ['Created', 'Session', 'Mode', 'Status', 'Payment', 'Amount', 'Customer', 'Reference', 'Actions'],
  sessions.map((s) => [
    formatTime(s.created * 1000),
    html`<code>${s.id}</code>`,
    s.ui_mode ?? '',
    s.status ?? '',
    s.payment_status,
    amountText(s.amount_total, s.currency),
    s.customer_details?.email ?? s.customer_email ?? '',
    s.client_reference_id ?? '',
    sessionActions(store, s),
  ]),
  'sessions',
)}
<h2>Payments</h2>
${table(
  ['Created', 'PaymentIntent', 'Status', 'Amount', 'Card', 'Last error', 'Refunded', 'Actions'],
  intents.map((pi) => [
    formatTime(pi.created * 1000),
    html`<code>${pi.id}</code>`,
    pi.status,
    amountText(pi.amount, pi.currency),
    describeCard(store, pi),
    pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? '',
    describeRefunds(store, pi),
    paymentActions(store, pi),
  ]),
  'payments',
)}
<h2>Disputes</h2>
${table(
  ['Created', 'Dispute', 'Charge', 'Amount', 'Reason', 'Status'],
  [...store.disputes.values()]
    .reverse()
    .slice(0, MAX_ROWS)
    .map((d) => [
      formatTime(d.created * 1000),
      html`<code>${d.id}</code>`,
      typeof d.charge === 'string' ? d.charge : d.charge.id,
      amountText(d.amount, d.currency),
      d.reason,
      d.status,
    ]),
  'disputes',
)}
<h2>Events</h2>
${table(
  ['Created', 'Event', 'Type', 'Pending webhooks'],
  events.map((e) => [formatTime(e.created * 1000), html`<code>${e.id}</code>`, e.type, String(store.pendingWebhooks.get(e.id) ?? 0)]),
  'events',
)}
<h2>Webhook delivery attempts</h2>
${table(
  ['Time', 'Event', 'Endpoint', 'Attempt', 'Response', 'Duration', 'Next retry'],
  attempts.map((a) => [
    formatTime(a.at),
    html`<code>${a.eventId}</code> ${a.eventType}`,
    a.endpointUrl,
    String(a.attempt),
    a.status !== null && a.status >= 200 && a.status < 300
      ? html`<span class="ok">${a.status}</span>`
      : html`<span class="bad">${a.status ?? 'no response'}${a.error ? ` (${a.error})` : ''}</span>`,
    `${a.durationMs} ms`,
    a.nextAttemptAt ? formatTime(a.nextAttemptAt) : '',
  ]),
  'webhook-attempts',
)}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Stripe emulator</title>
<style>${new SafeHtml(CSS)}</style></head><body>${body}</body></html>`.value;
}

function latestCharge(store: EmulatorStore, intent: Stripe.PaymentIntent): Stripe.Charge | undefined {
  const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
  return chargeId ? store.charges.get(chargeId) : undefined;
}

function actionButton(path: string, label: string, fields: Record<string, string> = {}): SafeHtml {
  return html`<form class="action" method="post" action="${path}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<button type="submit">${label}</button></form>`;
}

/** Expire an open session; settle a delayed payment (the `+delayed` email test path). */
function sessionActions(store: EmulatorStore, session: Stripe.Checkout.Session): SafeHtml[] {
  const base = `/dashboard/checkout-sessions/${session.id}`;
  if (session.status === 'open') return [actionButton(`${base}/expire`, 'Expire now')];
  const intent = typeof session.payment_intent === 'string' ? store.paymentIntents.get(session.payment_intent) : undefined;
  if (session.status === 'complete' && intent?.status === 'processing') {
    return [
      actionButton(`${base}/settle`, 'Payment succeeds', { outcome: 'succeeded' }),
      actionButton(`${base}/settle`, 'Payment fails', { outcome: 'failed' }),
    ];
  }
  return [];
}

function paymentActions(store: EmulatorStore, intent: Stripe.PaymentIntent): SafeHtml[] {
  const charge = latestCharge(store, intent);
  if (intent.status !== 'succeeded' || !charge || charge.disputed || charge.refunded) return [];
  const base = `/dashboard/payment-intents/${intent.id}`;
  return [actionButton(`${base}/refund`, 'Refund'), actionButton(`${base}/dispute`, 'Dispute')];
}

function describeRefunds(store: EmulatorStore, intent: Stripe.PaymentIntent): string {
  const charge = latestCharge(store, intent);
  if (!charge) return '';
  if (charge.disputed) return 'disputed';
  return charge.amount_refunded > 0 ? amountText(charge.amount_refunded, charge.currency) : '';
}

function describeCard(store: EmulatorStore, intent: Stripe.PaymentIntent): string {
  const card = latestCharge(store, intent)?.payment_method_details?.card;
  if (!card) return '';
  return `${card.brand ?? 'card'} •••• ${card.last4 ?? ''} (${String(card.exp_month).padStart(2, '0')}/${card.exp_year})`;
}

function table(headings: readonly string[], rows: readonly (readonly (string | SafeHtml | readonly SafeHtml[])[])[], id: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted" id="${id}">Nothing yet.</p>`;
  return html`<table id="${id}"><thead><tr>${headings.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`;
}
