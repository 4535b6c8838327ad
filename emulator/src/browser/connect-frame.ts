// One embedded component's frame, on the Connect origin. It asks its embedder (the origin the
// server checked through frame-ancestors) for the Account Session's client secret, exchanges it
// with the emulator, and renders the component with the DOM (never HTML strings) from the
// API that secret opens, for its one account.
import { formatAmount } from '../../../common/currency';
import type { PublicOrigins } from '../context';
// Types only, erased by esbuild: what the components' API answers.
import type { ComponentAccount as Account, ComponentPayment as Payment, ComponentPayouts } from '../state/connect-components';

declare const STRIPE_EMULATOR_ORIGINS: PublicOrigins;
void STRIPE_EMULATOR_ORIGINS; // the frame calls its own origin

const root = document.getElementById('connect-root');
const component = root?.dataset.component ?? '';
const embedderOrigin = root?.dataset.embedderOrigin ?? '';
let clientSecret = '';
let accountId = '';

interface Session {
  account: string;
  components: Record<string, { enabled: boolean; features: Record<string, boolean> }>;
}

function post(message: Record<string, unknown>): void {
  if (embedderOrigin && window.parent !== window) window.parent.postMessage({ source: 'stripe-emulator', ...message }, embedderOrigin);
}

function resize(): void {
  post({ type: 'connect-resize', height: document.documentElement.scrollHeight });
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/v1.0/api${path}`, {
    method,
    headers: { authorization: `Bearer ${clientSecret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer: unknown = await response.json();
  if (!response.ok) {
    const error: unknown = typeof answer === 'object' && answer !== null ? Reflect.get(answer, 'error') : undefined;
    const message: unknown = typeof error === 'object' && error !== null ? Reflect.get(error, 'message') : undefined;
    if (response.status === 401) post({ type: 'connect-expired' });
    throw new ApiError(response.status, typeof message === 'string' ? message : 'The request failed.');
  }
  return answer as T;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  attributes: Record<string, string> = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

function show(...nodes: Node[]): void {
  root?.replaceChildren(...nodes);
  resize();
}

function showError(message: string): void {
  show(element('div', message, { class: 'alert', role: 'alert' }));
  post({ type: 'connect-error', error: { type: 'api_error', message } });
}

/** In the currency's own minor unit (¥1,800 is 1800, $18.00 is 1800), as the emulator's other pages show amounts. */
function formatMoney(amount: number, currency: string): string {
  return formatAmount(amount, currency, 'en-US');
}

function field(label: string, name: string, value: string, type = 'text'): HTMLElement {
  const wrapper = element('div');
  wrapper.append(element('label', label, { for: name }), element('input', undefined, { id: name, name, type, value }));
  return wrapper;
}

async function renderOnboarding(): Promise<void> {
  const account = await call<Account>('GET', `/accounts/${accountId}`);
  if (account.detailsSubmitted) {
    show(element('h1', 'Onboarding complete'), element('p', 'Your account can take payments and receive payouts.'));
    post({ type: 'connect-exit' });
    return;
  }
  // Test details only, prefilled (https://docs.stripe.com/connect/testing): never real data.
  const form = element('form', undefined, { id: 'onboarding-form', novalidate: '' });
  const tos = element('input', undefined, { id: 'tosAccepted', name: 'tosAccepted', type: 'checkbox' });
  const tosLabel = element('label', ' I accept the Stripe Services Agreement (test mode)', { for: 'tosAccepted' });
  tosLabel.prepend(tos);
  const error = element('div', '', { class: 'alert', role: 'alert', id: 'onboarding-error' });
  error.hidden = true;
  form.append(
    element('h1', 'Set up payments'),
    error,
    field('Business name', 'businessName', account.businessName ?? 'Test Maker'),
    field('Email', 'email', account.email ?? 'maker@example.com', 'email'),
    field('Website', 'businessUrl', 'https://example.com'),
    field('What you sell', 'productDescription', 'Handmade goods'),
    field('Routing number (test)', 'routingNumber', '110000000'),
    field('Account number (test)', 'accountNumber', '000123456789'),
    tosLabel,
    element('button', 'Submit', { type: 'submit' }),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';
    call<Account>('POST', `/accounts/${accountId}/onboarding`, {
      businessName: value('businessName'),
      email: value('email'),
      businessUrl: value('businessUrl'),
      productDescription: value('productDescription'),
      routingNumber: value('routingNumber'),
      accountNumber: value('accountNumber'),
      tosAccepted: tos.checked,
    }).then(
      () => void renderOnboarding(),
      (failure: unknown) => {
        error.textContent = failure instanceof Error ? failure.message : 'The form could not be sent.';
        error.hidden = false;
        resize();
      },
    );
  });
  show(form);
}

async function renderManagement(): Promise<void> {
  const account = await call<Account>('GET', `/accounts/${accountId}`);
  const list = element('dl');
  const rows: [string, string][] = [
    ['Account', account.id],
    ['Business name', account.businessName ?? '—'],
    ['Email', account.email ?? '—'],
    ['Payments', account.chargesEnabled ? 'Enabled' : 'Not enabled'],
    ['Payouts', account.payoutsEnabled ? 'Enabled' : 'Not enabled'],
  ];
  for (const [term, detail] of rows) list.append(element('dt', term), element('dd', detail));
  show(element('h1', 'Account details'), list);
}

async function renderBanner(): Promise<void> {
  const account = await call<Account>('GET', `/accounts/${accountId}`);
  const due = account.currentlyDue;
  post({ type: 'connect-notifications', total: due.length, actionRequired: due.length });
  if (due.length === 0) {
    show(element('p', 'No outstanding requirements.', { class: 'note', id: 'banner-empty' }));
    return;
  }
  const list = element('ul', undefined, { id: 'requirements' });
  for (const requirement of due) list.append(element('li', requirement));
  show(
    element('div', 'Action required: your account needs more information before it can take payments.', { class: 'alert', role: 'status' }),
    list,
  );
}

async function renderPayments(session: Session): Promise<void> {
  const { data } = await call<{ data: Payment[] }>('GET', `/accounts/${accountId}/payments`);
  if (data.length === 0) {
    show(element('h1', 'Payments'), element('p', 'No payments yet.', { class: 'note' }));
    return;
  }
  const canRefund = session.components.payments?.features.refund_management === true;
  const table = element('table', undefined, { id: 'payments' });
  for (const payment of data) {
    const row = element('tr', undefined, { 'data-payment': payment.id });
    const state = payment.refunded
      ? 'Refunded'
      : payment.amountRefunded > 0
        ? 'Partially refunded'
        : payment.status === 'succeeded'
          ? 'Succeeded'
          : payment.status;
    row.append(
      element('td', formatMoney(payment.amount, payment.currency)),
      element('td', state),
      element('td', new Date(payment.created * 1000).toISOString().slice(0, 10)),
    );
    const actions = element('td');
    if (canRefund && payment.status === 'succeeded' && !payment.refunded) {
      const button = element('button', 'Refund', { type: 'button', class: 'secondary' });
      button.addEventListener('click', () => {
        button.disabled = true;
        call('POST', `/accounts/${accountId}/payments/${encodeURIComponent(payment.id)}/refund`, {}).then(
          () => void renderPayments(session),
          (failure: unknown) => showError(failure instanceof Error ? failure.message : 'The refund failed.'),
        );
      });
      actions.append(button);
    }
    row.append(actions);
    table.append(row);
  }
  show(element('h1', 'Payments'), table);
}

async function renderPayouts(): Promise<void> {
  const payouts = await call<ComponentPayouts>('GET', `/accounts/${accountId}/payouts`);
  const balances = element('ul', undefined, { id: 'balances' });
  for (const balance of payouts.balances) balances.append(element('li', formatMoney(balance.amount, balance.currency)));
  show(
    element('h1', 'Payouts'),
    payouts.balances.length ? balances : element('p', 'No balance yet.', { class: 'note' }),
    element('p', payouts.payoutsEnabled ? 'No payouts yet.' : 'Payouts are not enabled: finish onboarding first.', { class: 'note' }),
  );
}

async function start(): Promise<void> {
  const session = await call<Session>('POST', '/session');
  accountId = session.account;
  if (component === 'account-onboarding') return renderOnboarding();
  if (component === 'account-management') return renderManagement();
  if (component === 'notification-banner') return renderBanner();
  if (component === 'payments') return renderPayments(session);
  if (component === 'payouts') return renderPayouts();
  return undefined;
}

window.addEventListener('message', (event: MessageEvent) => {
  if (event.origin !== embedderOrigin || event.source !== window.parent) return;
  const data: unknown = event.data;
  if (typeof data !== 'object' || data === null || Reflect.get(data, 'source') !== 'stripe-emulator') return;
  const secret: unknown = Reflect.get(data, 'clientSecret');
  if (Reflect.get(data, 'type') !== 'connect-secret' || typeof secret !== 'string') return;
  clientSecret = secret;
  start().catch((failure: unknown) => showError(failure instanceof Error ? failure.message : 'The component could not load.'));
});

if (embedderOrigin) post({ type: 'connect-ready' });
