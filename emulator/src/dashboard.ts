// The emulator's root page: what happened, for people in a workshop (like the event log in
// Stripe's Dashboard). Cards appear only as brand and last4; the store holds nothing more.
import type Stripe from 'stripe';
import { formatAmount, formatTime, html, SafeHtml, styleHashSource } from './html';
import type { EmulatorStore } from './store';

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:24px;color:#1a1f36}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e3e8ee}
th{background:#f6f9fc}code{font-size:12px}.ok{color:#0e6245}.bad{color:#df1b41}.muted{color:#697386}
`;

export const DASHBOARD_CSP = ["default-src 'none'", `style-src ${styleHashSource(CSS)}`, "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');

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
${table(['Created', 'Session', 'Status', 'Payment', 'Amount', 'Customer', 'Reference'], sessions.map((s) => [
  formatTime(s.created * 1000), html`<code>${s.id}</code>`, s.status ?? '', s.payment_status, formatAmount(s.amount_total, s.currency),
  s.customer_details?.email ?? s.customer_email ?? '', s.client_reference_id ?? '',
]), 'sessions')}
<h2>Payments</h2>
${table(['Created', 'PaymentIntent', 'Status', 'Amount', 'Card', 'Last error'], intents.map((pi) => [
  formatTime(pi.created * 1000), html`<code>${pi.id}</code>`, pi.status, formatAmount(pi.amount, pi.currency),
  describeCard(store, pi), pi.last_payment_error?.decline_code ?? pi.last_payment_error?.code ?? '',
]), 'payments')}
<h2>Events</h2>
${table(['Created', 'Event', 'Type', 'Pending webhooks'], events.map((e) => [
  formatTime(e.created * 1000), html`<code>${e.id}</code>`, e.type, String(store.pendingWebhooks.get(e.id) ?? 0),
]), 'events')}
<h2>Webhook delivery attempts</h2>
${table(['Time', 'Event', 'Endpoint', 'Attempt', 'Response', 'Duration', 'Next retry'], attempts.map((a) => [
  formatTime(a.at), html`<code>${a.eventId}</code> ${a.eventType}`, a.endpointUrl, String(a.attempt),
  a.status !== null && a.status >= 200 && a.status < 300
    ? html`<span class="ok">${a.status}</span>`
    : html`<span class="bad">${a.status ?? 'no response'}${a.error ? ` (${a.error})` : ''}</span>`,
  `${a.durationMs} ms`, a.nextAttemptAt ? formatTime(a.nextAttemptAt) : '',
]), 'webhook-attempts')}`;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5"><title>Stripe emulator</title>
<style>${new SafeHtml(CSS)}</style></head><body>${body}</body></html>`.value;
}

function describeCard(store: EmulatorStore, intent: Stripe.PaymentIntent): string {
  const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id;
  const card = chargeId ? store.charges.get(chargeId)?.payment_method_details?.card : undefined;
  if (!card) return '';
  return `${card.brand ?? 'card'} •••• ${card.last4 ?? ''} (${String(card.exp_month).padStart(2, '0')}/${card.exp_year})`;
}

function table(headings: readonly string[], rows: readonly (readonly (string | SafeHtml)[])[], id: string): SafeHtml {
  if (rows.length === 0) return html`<p class="muted" id="${id}">Nothing yet.</p>`;
  return html`<table id="${id}"><thead><tr>${headings.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`;
}
