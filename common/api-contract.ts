// The API contract: what the browser client and the server agree on, written once. The server
// builds its zod schemas and its answers from these; the client checks every answer against
// them (lib/api.ts). Plain TypeScript with no imports, so every part of the repository may use it.
//
// Products, prices and currencies are the catalog's business (common/catalog.ts), not this file's.

/** Every status an order can be in; the store's CHECK constraint and its allowed moves use the same names. */
export const ORDER_STATUSES = ['pending', 'paid', 'failed', 'expired', 'refunded', 'disputed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export function isOrderStatus(value: unknown): value is OrderStatus {
  return (ORDER_STATUSES as readonly unknown[]).includes(value);
}

/** What a receipt shows about the card: never anything that could charge it. */
export interface OrderCard {
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

/** The order as the browser may see it (GET /api/orders/…): status, total and card display fields only. */
export interface PublicOrder {
  status: OrderStatus;
  /** In the currency's minor unit, as Stripe counts it. */
  amount: number;
  currency: string;
  /** Set once the order was paid (and kept if it is later refunded or disputed). */
  card: OrderCard | null;
}

export const SHOP_MODES = ['emulated', 'test', 'live'] as const;
export type ShopMode = (typeof SHOP_MODES)[number];

export function isShopMode(value: unknown): value is ShopMode {
  return (SHOP_MODES as readonly unknown[]).includes(value);
}

/** GET /api/config: nothing secret (the publishable key is public by design). */
export interface ShopConfig {
  mode: ShopMode;
  publishableKey: string;
  /** Where to load Stripe.js from (the emulator's stand-in); null = @stripe/stripe-js's default. */
  stripeJsUrl: string | null;
  /** Where to load Connect.js from (the emulator's stand-in); null = @stripe/connect-js's default. */
  connectJsUrl: string | null;
}

/** The most of one product a basket line may hold; 0 (not in the basket) is the client's business. */
export const MAX_QUANTITY = 10;
/** The longest product id a request may name. */
export const MAX_PRODUCT_ID_LENGTH = 64;

export interface CheckoutItem {
  productId: string;
  /** 1..MAX_QUANTITY; the server prices it, the client's total is only a preview. */
  quantity: number;
}

/**
 * The two Checkout integrations, named as Stripe's `ui_mode` names them:
 * https://docs.stripe.com/api/checkout/sessions/create#create_checkout_session-ui_mode
 */
export const CHECKOUT_UI_MODES = ['hosted_page', 'embedded_page'] as const;
export type CheckoutUiMode = (typeof CHECKOUT_UI_MODES)[number];

/** POST /api/checkout-sessions. No `uiMode` means hosted. */
export interface CheckoutSessionRequest {
  items: CheckoutItem[];
  uiMode?: CheckoutUiMode;
}

/** 201 from POST /api/checkout-sessions: hosted answers the page to go to, embedded the client secret. */
export type CheckoutSessionResponse = { url: string } | ClientSecretResponse;

/** POST /api/payment-intents. */
export interface PaymentIntentRequest {
  items: CheckoutItem[];
}

/** Only the client secret of a Checkout Session or PaymentIntent ever goes to the browser. */
export interface ClientSecretResponse {
  clientSecret: string;
}

/**
 * Stripe object ids as they appear in our URLs: a Checkout Session id (`cs_test_…`, `cs_live_…`;
 * Stripe appends it to success_url/return_url) and a PaymentIntent id (`pi_…`; Stripe.js appends
 * it to the Payment Element's return_url). Both sides refuse anything else before using it:
 * the client asks nothing, the server answers 400 without a lookup.
 * https://docs.stripe.com/payments/checkout/custom-success-page
 */
export const CHECKOUT_SESSION_ID_PATTERN = /^cs_(test|live)_[A-Za-z0-9]{1,200}$/;
export const PAYMENT_INTENT_ID_PATTERN = /^pi_[A-Za-z0-9]{1,200}$/;

export function isCheckoutSessionId(value: string): boolean {
  return CHECKOUT_SESSION_ID_PATTERN.test(value);
}

export function isPaymentIntentId(value: string): boolean {
  return PAYMENT_INTENT_ID_PATTERN.test(value);
}

/** Every `error.code` the server answers with. The client picks its message by code. */
export const API_ERROR_CODES = [
  // Requests the server could not read.
  'bad_request',
  'body_too_large',
  'invalid_json',
  'invalid_request',
  'unsupported_encoding',
  'unsupported_media_type',
  // Guards.
  'cross_site_request',
  'rate_limited',
  // Checkout.
  'duplicate_product',
  'invalid_cart',
  'unknown_product',
  'payment_provider_error',
  'mixed_sellers',
  'seller_cannot_take_charges',
  // Order lookups.
  'invalid_payment_intent_id',
  'invalid_session_id',
  'order_not_found',
  // The seller area (passkeys and sessions).
  'invalid_enrolment_link',
  'not_signed_in',
  'passkey_not_recognised',
  'passkey_verification_failed',
  // Webhooks and CSP reports (not called by the browser client).
  'invalid_event',
  'invalid_report',
  'invalid_signature',
  'livemode_mismatch',
  'missing_signature',
  'webhook_source_refused',
  // Anything else.
  'not_found',
  'starting',
  'internal_error',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export function isApiErrorCode(value: unknown): value is ApiErrorCode {
  return (API_ERROR_CODES as readonly unknown[]).includes(value);
}

/** Every non-2xx answer. 5xx answers carry a generic message, never the cause. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}

/** GET /api/seller/me: who is signed in to the seller area (401 not_signed_in otherwise). */
export interface SellerProfile {
  email: string;
}

/** POST /api/seller/account-session: the signed-in seller's Account Session, for Connect.js only. */
export interface SellerAccountSession {
  clientSecret: string;
}

/** The seller pages' sign-in, where a signed-out visitor of a seller page is sent. */
export const SELLER_SIGN_IN_ROUTE = '/seller/sign-in';
/** The page a one-time enrolment link opens (`?token=…`). */
export const SELLER_ENROL_ROUTE = '/seller/enrol';
/** Where a seller lands once signed in (and after enrolling). */
export const SELLER_HOME_ROUTE = '/seller';

/** The seller API's paths, for the client and the tests. */
export const SELLER_API = {
  enrolOptions: '/api/seller/enrol/options',
  enrol: '/api/seller/enrol',
  signInOptions: '/api/seller/sign-in/options',
  signIn: '/api/seller/sign-in',
  signOut: '/api/seller/sign-out',
  me: '/api/seller/me',
  accountSession: '/api/seller/account-session',
} as const;

/** Where Stripe delivers events: the URL of the webhook endpoint is PUBLIC_URL + this path. */
export const STRIPE_WEBHOOK_PATH = '/webhooks/stripe';
