// The only module that talks to our API. Same-origin fetch, JSON in and out; every failure
// becomes an ApiError whose message is safe and useful to show to a shopper.
//
// Responses are checked field by field rather than trusted: a page that renders a half-valid
// order would show the wrong thing about somebody's money. What an answer may hold is the
// contract in common/api-contract.ts, the same one the server builds its answers from.
import {
  isApiErrorCode,
  isOrderStatus,
  isShopMode,
  type ApiErrorCode,
  type CheckoutItem,
  type CheckoutSessionRequest,
  type ClientSecretResponse,
  type OrderCard,
  type PaymentIntentRequest,
  type PublicOrder,
  type SellerProfile,
  type ShopConfig,
  SELLER_API,
} from '../../../common/api-contract';

import type { Catalog, Product } from '../../../common/catalog';

export type { Catalog, Product };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const NETWORK_MESSAGE = 'We could not reach the shop. Check your connection and try again.';
const SERVER_MESSAGE = 'Something went wrong on our side and nothing was charged. Please try again in a moment.';

// Codes whose server message is written for developers; everything else the server sends
// (validation and card errors) is already meant for people and passes through.
const FRIENDLY_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  rate_limited: 'You are going a little fast. Wait a few seconds and try again.',
  cross_site_request: 'This request did not come from the shop page. Reload the page and try again.',
  body_too_large: 'Your basket is too large. Remove a few items and try again.',
  invalid_json: 'The shop could not read that request. Reload the page and try again.',
  unsupported_media_type: 'The shop could not read that request. Reload the page and try again.',
  unsupported_encoding: 'The shop could not read that request. Reload the page and try again.',
  invalid_session_id: 'This link does not contain a valid order reference.',
  invalid_payment_intent_id: 'This link does not contain a valid payment reference.',
  unknown_product: 'One of the products in your basket is no longer available. Reload the page and try again.',
  order_not_found: 'We could not find that order.',
  invalid_enrolment_link: 'This set-up link has been used or has expired. Ask the shop for a new one.',
  not_signed_in: 'Your session has ended. Sign in again.',
  passkey_not_recognised: 'That passkey is not registered with this shop. Use the one you set up from your link.',
  passkey_verification_failed: 'Your passkey could not be checked. Try again.',
};

/** The seller area's passkey ceremonies: options from the server, the browser's answer back. */
export function getEnrolOptions(token: string): Promise<unknown> {
  return postJson(SELLER_API.enrolOptions, { token }, (body) => body);
}

export function enrolPasskey(token: string, credential: unknown): Promise<unknown> {
  return postJson(SELLER_API.enrol, { token, credential }, (body) => body);
}

export function getSignInOptions(): Promise<unknown> {
  return postJson(SELLER_API.signInOptions, {}, (body) => body);
}

export function signInWithPasskey(credential: unknown): Promise<unknown> {
  return postJson(SELLER_API.signIn, { credential }, (body) => body);
}

export async function signOut(): Promise<void> {
  await requestJson(SELLER_API.signOut, { method: 'POST' }, () => null);
}

/** The signed-in seller's Account Session client secret, for Connect.js's fetchClientSecret only. */
export function createAccountSession(): Promise<string> {
  return postJson(SELLER_API.accountSession, {}, (body) =>
    isRecord(body) && typeof body.clientSecret === 'string' && body.clientSecret.length > 0 ? body.clientSecret : undefined,
  );
}

export function getSellerProfile(): Promise<SellerProfile> {
  return requestJson(SELLER_API.me, { method: 'GET' }, (body) =>
    isRecord(body) && typeof body.email === 'string' ? { email: body.email } : undefined,
  );
}

function postJson<T>(path: string, body: unknown, parse: (body: unknown) => T | undefined): Promise<T> {
  return requestJson(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, parse);
}

export function getConfig(): Promise<ShopConfig> {
  return requestJson('/api/config', { method: 'GET' }, parseConfig);
}

export function listProducts(): Promise<Catalog> {
  return requestJson('/api/products', { method: 'GET' }, parseCatalog);
}

export function createCheckoutSession(items: CheckoutItem[]): Promise<{ url: string }> {
  return requestJson(
    '/api/checkout-sessions',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items } satisfies CheckoutSessionRequest) },
    parseCheckoutSession,
  );
}

/** Embedded Checkout: the same resource as hosted, answered with the session's client secret. */
export function createEmbeddedCheckoutSession(items: CheckoutItem[]): Promise<ClientSecretResponse> {
  return requestJson(
    '/api/checkout-sessions',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ items, uiMode: 'embedded_page' } satisfies CheckoutSessionRequest),
    },
    parseClientSecret,
  );
}

/** Payment Element: a PaymentIntent priced on the server; only its client secret comes back. */
export function createPaymentIntent(items: CheckoutItem[]): Promise<ClientSecretResponse> {
  return requestJson(
    '/api/payment-intents',
    { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items } satisfies PaymentIntentRequest) },
    parseClientSecret,
  );
}

export function getOrder(checkoutSessionId: string): Promise<PublicOrder> {
  return requestJson(`/api/orders/${encodeURIComponent(checkoutSessionId)}`, { method: 'GET' }, parseOrder);
}

export function getOrderByPaymentIntent(paymentIntentId: string): Promise<PublicOrder> {
  return requestJson(`/api/orders/by-payment-intent/${encodeURIComponent(paymentIntentId)}`, { method: 'GET' }, parseOrder);
}

async function requestJson<T>(path: string, init: RequestInit, parse: (body: unknown) => T | undefined): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      credentials: 'same-origin',
      headers: { accept: 'application/json', ...init.headers },
    });
  } catch {
    throw new ApiError(0, 'network_error', NETWORK_MESSAGE);
  }

  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw toApiError(response.status, body);

  const parsed = parse(body);
  if (parsed === undefined) throw new ApiError(response.status, 'invalid_response', SERVER_MESSAGE);
  return parsed;
}

/** Maps `{ error: { code, message } }` (or anything else) to a message for the shopper. */
export function toApiError(status: number, body: unknown): ApiError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' ? error.code : 'unknown_error';
  const serverMessage = typeof error.message === 'string' && error.message.trim() !== '' ? error.message : undefined;

  const friendly = isApiErrorCode(code) ? FRIENDLY_MESSAGES[code] : undefined;
  if (friendly) return new ApiError(status, code, friendly);
  if (status === 429) return new ApiError(status, code, FRIENDLY_MESSAGES.rate_limited ?? SERVER_MESSAGE);
  if (status >= 500 || !serverMessage) return new ApiError(status, code, SERVER_MESSAGE);
  return new ApiError(status, code, serverMessage);
}

export function parseCatalog(body: unknown): Catalog | undefined {
  if (!isRecord(body) || typeof body.currency !== 'string' || !/^[a-z]{3}$/.test(body.currency) || !Array.isArray(body.products))
    return undefined;
  const products = body.products.map(parseProduct);
  return products.every((p) => p !== undefined) ? { currency: body.currency, products } : undefined;
}

function parseProduct(value: unknown): Product | undefined {
  if (!isRecord(value)) return undefined;
  const { id, name, description, unitAmount, image } = value;
  if (typeof id !== 'string' || typeof name !== 'string') return undefined;
  if (typeof unitAmount !== 'number' || !Number.isInteger(unitAmount) || unitAmount < 0) return undefined;
  return {
    id,
    name,
    description: typeof description === 'string' ? description : '',
    unitAmount,
    image: typeof image === 'string' ? image : '',
  };
}

export function parseConfig(body: unknown): ShopConfig | undefined {
  if (!isRecord(body) || !isShopMode(body.mode)) return undefined;
  return {
    mode: body.mode,
    publishableKey: typeof body.publishableKey === 'string' ? body.publishableKey : '',
    stripeJsUrl: parseScriptUrl(body.stripeJsUrl),
    connectJsUrl: parseScriptUrl(body.connectJsUrl),
  };
}

/** Only ever an https address: a tampered answer must not load script from anywhere else. */
function parseScriptUrl(value: unknown): string | null {
  return typeof value === 'string' && URL.canParse(value) && new URL(value).protocol === 'https:' ? value : null;
}

function parseClientSecret(body: unknown): ClientSecretResponse | undefined {
  return isRecord(body) && typeof body.clientSecret === 'string' && body.clientSecret.includes('_secret_')
    ? { clientSecret: body.clientSecret }
    : undefined;
}

function parseCheckoutSession(body: unknown): { url: string } | undefined {
  return isRecord(body) && typeof body.url === 'string' ? { url: body.url } : undefined;
}

/** Exported for tests. A status the server does not produce is a broken answer, not a new state to guess at. */
export function parseOrder(body: unknown): PublicOrder | undefined {
  if (!isRecord(body)) return undefined;
  const { status, amount, currency, card } = body;
  if (!isOrderStatus(status) || typeof amount !== 'number' || typeof currency !== 'string') return undefined;
  if (card === null || card === undefined) return { status, amount, currency, card: null };
  const parsedCard = parseCard(card);
  return parsedCard ? { status, amount, currency, card: parsedCard } : undefined;
}

function parseCard(value: unknown): OrderCard | undefined {
  if (!isRecord(value)) return undefined;
  const { brand, last4, expMonth, expYear } = value;
  if (typeof brand !== 'string' || typeof last4 !== 'string' || !/^\d{4}$/.test(last4)) return undefined;
  if (typeof expMonth !== 'number' || typeof expYear !== 'number') return undefined;
  return { brand, last4, expMonth, expYear };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
