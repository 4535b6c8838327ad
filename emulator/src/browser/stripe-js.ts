// The Stripe.js stand-in, served at /endive/stripe.js (the URL @stripe/stripe-js 10 injects).
// It implements the calls this project's client makes, with the names and shapes of
// @stripe/stripe-js's own declarations: Stripe(pk), elements({ clientSecret, appearance }),
// elements.create('payment'), element.mount/on/off/unmount/destroy, confirmPayment,
// retrievePaymentIntent, createEmbeddedCheckoutPage (v10's name; initEmbeddedCheckout kept as
// an alias). Card fields live in frames on the Stripe origins; this page only sees messages
// whose `event.origin` and `event.source` are the frame's.
// Compiled with esbuild when the emulator starts; the server wraps it with the origins.
import type { PublicOrigins } from '../context';
import type {
  PaymentIntent,
  PaymentIntentResult,
  StripeElementChangeEvent,
  StripeEmbeddedCheckout,
  StripeEmbeddedCheckoutOptions,
  StripeError,
} from '@stripe/stripe-js';

// The emulator's own type, erased by esbuild: the browser receives the values, not the module.
declare const STRIPE_EMULATOR_ORIGINS: PublicOrigins;
const ORIGINS = STRIPE_EMULATOR_ORIGINS;

interface FrameMessage {
  source: 'stripe-emulator';
  type: string;
  [key: string]: unknown;
}

/** Stripe.js throws an IntegrationError for programming mistakes (never for a declined card). */
class IntegrationError extends Error {
  override name = 'IntegrationError';
}

function isFrameMessage(data: unknown): data is FrameMessage {
  return (
    typeof data === 'object' &&
    data !== null &&
    Reflect.get(data, 'source') === 'stripe-emulator' &&
    typeof Reflect.get(data, 'type') === 'string'
  );
}

/**
 * Whether `source` is `frame`'s window or a window nested inside it (the 3-D Secure challenge
 * sits three frames deep). `parent` is readable across origins, so the walk needs no access.
 */
function isFromFrame(source: MessageEventSource | null, frame: HTMLIFrameElement): boolean {
  const root = frame.contentWindow;
  if (!root || !source || !('parent' in source)) return false;
  for (let win: Window = source; ; win = win.parent) {
    if (win === root) return true;
    if (win === win.parent || win.parent === window) return false;
  }
}

/** Calls `handler` for messages from `frame` (or a frame in it) only, sent from `origin` (https://html.spec.whatwg.org/#authors-using-messaging). */
function listenToFrame(frame: HTMLIFrameElement, origin: string, handler: (message: FrameMessage) => void): () => void {
  const listener = (event: MessageEvent) => {
    if (event.origin !== origin || !isFromFrame(event.source, frame) || !isFrameMessage(event.data)) return;
    handler(event.data);
  };
  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}

function resolveTarget(location: string | HTMLElement): HTMLElement {
  const target = typeof location === 'string' ? document.querySelector<HTMLElement>(location) : location;
  if (!target)
    throw new IntegrationError(
      `The selector you specified (${String(location)}) applies to no DOM elements that are currently on the page.`,
    );
  return target;
}

/** Stripe.js names its frames `__privateStripeFrame<n>` (embedded Checkout's is `embedded-checkout`). */
function createFrame(
  src: string,
  title: string,
  height: string,
  name = `__privateStripeFrame${Math.floor(Math.random() * 1e6)}`,
): HTMLIFrameElement {
  const frame = document.createElement('iframe');
  frame.src = src;
  frame.title = title;
  frame.name = name;
  frame.setAttribute('frameborder', '0');
  frame.setAttribute('allowtransparency', 'true');
  frame.setAttribute('scrolling', 'no');
  frame.allow = 'payment *';
  frame.style.border = '0';
  frame.style.width = '100%';
  frame.style.height = height;
  frame.style.display = 'block';
  return frame;
}

function objectIdOf(clientSecret: string, prefix: string): string {
  const id = clientSecret.split('_secret_')[0] ?? '';
  if (!id.startsWith(prefix) || !clientSecret.includes('_secret_')) {
    throw new IntegrationError(
      `Invalid value for clientSecret: it should be the client secret of a ${prefix === 'pi_' ? 'PaymentIntent' : 'Checkout Session'} (${prefix}..._secret_...).`,
    );
  }
  return id;
}

type ElementEvent = 'change' | 'ready' | 'focus' | 'blur' | 'loaderror';
type Handler = (event: unknown) => void;

class PaymentElement {
  #frame: HTMLIFrameElement | null = null;
  #stopListening: (() => void) | null = null;
  #handlers = new Map<ElementEvent, Set<Handler>>();
  #pendingConfirm: ((result: PaymentIntentResult) => void) | null = null;

  constructor(
    private readonly key: string,
    private readonly clientSecret: string,
  ) {}

  mount(location: string | HTMLElement): void {
    if (this.#frame) throw new IntegrationError('This Element is already mounted. Use `unmount()` first.');
    const params = new URLSearchParams({ origin: window.location.origin });
    // The secrets go in the fragment: never sent in a request, so never in a server log.
    const fragment = new URLSearchParams({ key: this.key, clientSecret: this.clientSecret });
    const frame = createFrame(
      `${ORIGINS.js}/v3/elements-inner-payment.html?${params.toString()}#${fragment.toString()}`,
      'Secure payment input frame',
      '320px',
    );
    this.#stopListening = listenToFrame(frame, ORIGINS.js, (message) => this.#receive(message));
    resolveTarget(location).appendChild(frame);
    this.#frame = frame;
  }

  unmount(): void {
    this.#stopListening?.();
    this.#frame?.remove();
    this.#frame = null;
    this.#stopListening = null;
  }

  destroy(): void {
    this.unmount();
    this.#handlers.clear();
  }

  on(event: ElementEvent, handler: Handler): this {
    const set = this.#handlers.get(event) ?? new Set<Handler>();
    set.add(handler);
    this.#handlers.set(event, set);
    return this;
  }

  once(event: ElementEvent, handler: Handler): this {
    const wrapped: Handler = (payload) => {
      this.off(event, wrapped);
      handler(payload);
    };
    return this.on(event, wrapped);
  }

  off(event: ElementEvent, handler?: Handler): this {
    if (handler) this.#handlers.get(event)?.delete(handler);
    else this.#handlers.delete(event);
    return this;
  }

  update(): this {
    return this;
  }

  focus(): this {
    this.#frame?.focus();
    return this;
  }

  /** Asks the frame to confirm; the card data goes from the frame to the API, never through here. */
  confirm(returnUrl: string | undefined): Promise<PaymentIntentResult> {
    const frame = this.#frame;
    if (!frame?.contentWindow)
      throw new IntegrationError('The Payment Element is not mounted: call element.mount() before confirmPayment().');
    if (this.#pendingConfirm) throw new IntegrationError('confirmPayment is already in progress.');
    return new Promise((resolve) => {
      this.#pendingConfirm = resolve;
      frame.contentWindow?.postMessage({ source: 'stripe-emulator', type: 'confirm', returnUrl: returnUrl ?? null }, ORIGINS.js);
    });
  }

  #emit(event: ElementEvent, payload: unknown): void {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) handler(payload);
  }

  #receive(message: FrameMessage): void {
    if (message.type === 'ready') this.#emit('ready', { elementType: 'payment' });
    if (message.type === 'change') {
      const change: Pick<StripeElementChangeEvent, 'elementType' | 'empty' | 'complete'> & { value: { type: 'card' }; collapsed: boolean } =
        {
          elementType: 'payment',
          empty: message.empty === true,
          complete: message.complete === true,
          collapsed: false,
          value: { type: 'card' },
        };
      this.#emit('change', change);
    }
    if (message.type === 'confirm-result' && this.#pendingConfirm) {
      const resolve = this.#pendingConfirm;
      this.#pendingConfirm = null;
      resolve(readResult(message));
    }
  }
}

function readResult(message: FrameMessage): PaymentIntentResult {
  const error = message.error;
  if (typeof error === 'object' && error !== null) return { error: toStripeError(error) };
  const intent = message.paymentIntent;
  if (isPaymentIntent(intent)) return { paymentIntent: intent };
  return { error: { type: 'api_error', message: 'Unexpected answer from the payment frame.' } };
}

function isPaymentIntent(value: unknown): value is PaymentIntent {
  return typeof value === 'object' && value !== null && Reflect.get(value, 'object') === 'payment_intent';
}

function toStripeError(body: object): StripeError {
  const read = (key: string): string | undefined => {
    const value: unknown = Reflect.get(body, key);
    return typeof value === 'string' ? value : undefined;
  };
  const intent: unknown = Reflect.get(body, 'payment_intent');
  const type = read('type');
  return {
    type:
      type === 'card_error' || type === 'validation_error' || type === 'invalid_request_error' || type === 'api_error' ? type : 'api_error',
    message: read('message') ?? 'Something went wrong.',
    ...(read('code') ? { code: read('code') } : {}),
    ...(read('decline_code') ? { decline_code: read('decline_code') } : {}),
    ...(read('param') ? { param: read('param') } : {}),
    ...(isPaymentIntent(intent) ? { payment_intent: intent } : {}),
  };
}

class Elements {
  readonly #elements = new Map<string, PaymentElement>();

  constructor(
    private readonly key: string,
    readonly clientSecret: string,
  ) {
    if (typeof clientSecret !== 'string') {
      throw new IntegrationError(
        "The emulator's Stripe.js supports elements({ clientSecret }) only, not the deferred-intent mode ({ mode, amount, currency }).",
      );
    }
    objectIdOf(clientSecret, 'pi_');
  }

  create(type: string): PaymentElement {
    if (type !== 'payment') throw new IntegrationError(`The emulator's Stripe.js supports elements.create('payment') only, not '${type}'.`);
    if (this.#elements.has(type)) throw new IntegrationError('Can only create one Element of type payment.');
    const element = new PaymentElement(this.key, this.clientSecret);
    this.#elements.set(type, element);
    return element;
  }

  getElement(type: string): PaymentElement | null {
    return this.#elements.get(type) ?? null;
  }

  update(): void {}

  async submit(): Promise<{ error?: StripeError }> {
    return {};
  }
}

/**
 * The 3-D Secure challenge in a modal, three frames deep as Stripe.js shows it: our
 * `__privateStripeFrame…` (js origin) > `__stripeJSChallengeFrame` > `acsFrame` (hooks origin),
 * where the test page's Complete and Fail buttons are. The answer comes back from the inner frame.
 */
function runChallenge(challengeUrl: string): Promise<void> {
  return new Promise((resolve) => {
    const overlay = document.createElement('div');
    overlay.style.position = 'fixed';
    overlay.style.inset = '0';
    overlay.style.background = 'rgba(0,0,0,0.4)';
    overlay.style.zIndex = '2147483647';
    overlay.style.display = 'flex';
    overlay.style.alignItems = 'center';
    overlay.style.justifyContent = 'center';
    const token = new URL(challengeUrl).pathname.split('/').pop() ?? '';
    const query = new URLSearchParams({ token, origin: window.location.origin });
    const frame = createFrame(`${ORIGINS.js}/v3/three-ds-2-challenge.html?${query.toString()}`, '3DS authentication challenge', '420px');
    frame.style.maxWidth = '420px';
    frame.style.background = '#fff';
    overlay.appendChild(frame);
    const stop = listenToFrame(frame, ORIGINS.hooks, (message) => {
      if (message.type !== '3ds-complete') return;
      stop();
      overlay.remove();
      resolve();
    });
    document.body.appendChild(overlay);
  });
}

function appendReturnParams(returnUrl: string, intent: PaymentIntent): string {
  const url = new URL(returnUrl, window.location.href);
  url.searchParams.set('payment_intent', intent.id);
  url.searchParams.set('payment_intent_client_secret', intent.client_secret ?? '');
  url.searchParams.set(
    'redirect_status',
    intent.status === 'succeeded' ? 'succeeded' : intent.status === 'processing' ? 'pending' : 'failed',
  );
  return url.toString();
}

function createStripe(key: string) {
  if (typeof key !== 'string' || key.length === 0)
    throw new IntegrationError('Please call Stripe() with your publishable key. You used an empty string.');
  if (key.startsWith('sk_') || key.startsWith('rk_'))
    throw new IntegrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
  if (!/^pk_test_[A-Za-z0-9_]+$/.test(key))
    throw new IntegrationError(`Invalid API Key: the local Stripe emulator accepts test publishable keys (pk_test_...) only.`);

  async function retrievePaymentIntent(clientSecret: string): Promise<PaymentIntentResult> {
    const id = objectIdOf(clientSecret, 'pi_');
    const query = new URLSearchParams({ key, client_secret: clientSecret });
    try {
      const response = await fetch(`${ORIGINS.api}/v1/payment_intents/${encodeURIComponent(id)}?${query.toString()}`);
      const body: unknown = await response.json();
      if (!response.ok)
        return { error: toStripeError(typeof body === 'object' && body !== null ? (Reflect.get(body, 'error') ?? {}) : {}) };
      if (isPaymentIntent(body)) return { paymentIntent: body };
    } catch {
      return { error: { type: 'api_connection_error', message: 'Could not reach the Stripe API.' } };
    }
    return { error: { type: 'api_error', message: 'Unexpected answer from the Stripe API.' } };
  }

  async function confirmPayment(options: {
    elements: Elements;
    confirmParams?: { return_url?: string };
    redirect?: 'always' | 'if_required';
  }): Promise<PaymentIntentResult> {
    const returnUrl = options.confirmParams?.return_url;
    const redirect = options.redirect ?? 'always';
    if (!returnUrl && redirect !== 'if_required') {
      throw new IntegrationError(
        "stripe.confirmPayment(): the `confirmParams.return_url` argument is required unless passing `redirect: 'if_required'`",
      );
    }
    const element = options.elements.getElement('payment');
    if (!element) throw new IntegrationError('stripe.confirmPayment(): no Payment Element was created from these elements.');
    let result = await element.confirm(returnUrl);
    if (result.paymentIntent?.status === 'requires_action' && result.paymentIntent.next_action?.redirect_to_url?.url) {
      await runChallenge(result.paymentIntent.next_action.redirect_to_url.url);
      result = await retrievePaymentIntent(options.elements.clientSecret);
      const intent = result.paymentIntent;
      if (intent && intent.status === 'requires_payment_method') {
        const failure = intent.last_payment_error;
        return {
          error: {
            type: 'invalid_request_error',
            code: failure?.code ?? 'payment_intent_authentication_failure',
            message: failure?.message ?? 'We are unable to authenticate your payment method.',
            payment_intent: intent,
          },
        };
      }
    }
    const intent = result.paymentIntent;
    if (!intent || redirect === 'if_required' || !returnUrl) return result;
    window.location.assign(appendReturnParams(returnUrl, intent));
    // As with Stripe.js, the promise never settles once the page is leaving.
    return new Promise<PaymentIntentResult>(() => undefined);
  }

  async function createEmbeddedCheckoutPage(options: StripeEmbeddedCheckoutOptions): Promise<StripeEmbeddedCheckout> {
    const clientSecret = options.clientSecret ?? (options.fetchClientSecret ? await options.fetchClientSecret() : undefined);
    if (!clientSecret) throw new IntegrationError('createEmbeddedCheckoutPage: pass `clientSecret` or `fetchClientSecret`.');
    const sessionId = objectIdOf(clientSecret, 'cs_');
    let frame: HTMLIFrameElement | null = null;
    let stop: (() => void) | null = null;
    const unmount = () => {
      stop?.();
      frame?.remove();
      frame = null;
      stop = null;
    };
    return {
      mount(location: string | HTMLElement) {
        if (frame) throw new IntegrationError('Embedded Checkout is already mounted.');
        // Title and name as Stripe.js gives its Checkout frame (public suites find it by either).
        const src = `${ORIGINS.checkout}/c/embedded/${encodeURIComponent(sessionId)}`;
        const checkoutFrame = createFrame(src, 'Embedded checkout', '860px', 'embedded-checkout');
        const stopCheckout = listenToFrame(checkoutFrame, ORIGINS.checkout, (message) => {
          if (message.type !== 'checkout-complete' || typeof message.returnUrl !== 'string') return;
          options.onComplete?.();
          // Sessions here use redirect_on_completion 'always': Checkout sends the customer to return_url.
          window.location.assign(message.returnUrl);
        });
        // A challenge answered inside the frame: Checkout shows the outcome (paid, or why not).
        const stopChallenge = listenToFrame(checkoutFrame, ORIGINS.hooks, (message) => {
          if (message.type === '3ds-complete') checkoutFrame.src = src;
        });
        stop = () => {
          stopCheckout();
          stopChallenge();
        };
        frame = checkoutFrame;
        resolveTarget(location).appendChild(frame);
      },
      unmount,
      destroy: unmount,
    };
  }

  return {
    elements: (options: { clientSecret: string; appearance?: unknown }) => new Elements(key, options.clientSecret),
    confirmPayment,
    retrievePaymentIntent,
    createEmbeddedCheckoutPage,
    /** The name before v10 (https://docs.stripe.com/sdks/stripejs-versioning). */
    initEmbeddedCheckout: createEmbeddedCheckoutPage,
    _registerWrapper: () => undefined,
  };
}

/** `Stripe(pk)`; `version` is what @stripe/stripe-js compares with its release train. */
const StandInStripe = Object.assign((key: string) => createStripe(key), { version: 'endive' });
Reflect.set(window, 'Stripe', StandInStripe);
