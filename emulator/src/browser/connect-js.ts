// The Connect.js stand-in, served at /v1.0/connect.js (the URL @stripe/connect-js 3 injects).
// It offers what that package calls: `window.StripeConnect.init(params)` returning an instance
// whose `connect` the package hands to each `stripe-connect-<component>` element through
// `setConnector`, and the `<method>InternalOnly` setters behind `setOnExit` and the others.
// Each element renders its component in a frame on the Connect origin and hands that frame the
// Account Session's client secret by postMessage (never in a URL); the frame does the rest.
import type { IStripeConnectInitParams } from '@stripe/connect-js';
import type { PublicOrigins } from '../context';

declare const STRIPE_EMULATOR_ORIGINS: PublicOrigins;
const ORIGINS = STRIPE_EMULATOR_ORIGINS;

/** What the package passes to `init`: the documented parameters and its own `metaOptions`. */
type InitParams = IStripeConnectInitParams & { metaOptions?: { eagerClientSecretPromise?: Promise<string> } };

interface Connector {
  /** The current client secret; a frame whose session expired asks for a new one. */
  clientSecret(): Promise<string>;
  refreshClientSecret(): Promise<string>;
}

type Listener = (value: unknown) => void;

const COMPONENTS = ['account-onboarding', 'account-management', 'notification-banner', 'payments', 'payouts'] as const;

// The setters @stripe/connect-js forwards (ConnectElementCommonMethodConfig and the custom ones
// of these components): listeners are kept, options are accepted and have no effect here.
const LISTENERS: Record<string, string> = {
  setOnLoadError: 'loaderror',
  setOnLoaderStart: 'loaderstart',
  setOnExit: 'exit',
  setOnNotificationsChange: 'notificationschange',
  setOnStepChange: 'stepchange',
  setOnSectionOpen: 'sectionopen',
};
const OPTIONS = [
  'setFullTermsOfServiceUrl',
  'setRecipientTermsOfServiceUrl',
  'setPrivacyPolicyUrl',
  'setSkipTermsOfServiceCollection',
  'setCollectionOptions',
  'setDefaultFilters',
];

function isFrameMessage(data: unknown): data is { source: 'stripe-emulator'; type: string } {
  return (
    typeof data === 'object' &&
    data !== null &&
    Reflect.get(data, 'source') === 'stripe-emulator' &&
    typeof Reflect.get(data, 'type') === 'string'
  );
}

class ConnectElement extends HTMLElement {
  private connector: Connector | null = null;
  private frame: HTMLIFrameElement | null = null;
  private readonly listeners = new Map<string, Listener>();
  private readonly onMessage = (event: MessageEvent) => this.receive(event);

  constructor(private readonly component: string) {
    super();
    for (const [method, name] of Object.entries(LISTENERS)) {
      Reflect.set(this, `${method}InternalOnly`, (listener: unknown) => {
        if (typeof listener === 'function') this.listeners.set(name, (value) => Reflect.apply(listener, undefined, [value]));
        else this.listeners.delete(name);
      });
    }
    for (const method of OPTIONS) Reflect.set(this, `${method}InternalOnly`, () => undefined);
  }

  setConnector(connector: Connector): void {
    this.connector = connector;
    if (this.isConnected) this.render();
  }

  connectedCallback(): void {
    window.addEventListener('message', this.onMessage);
    if (this.connector) this.render();
  }

  disconnectedCallback(): void {
    window.removeEventListener('message', this.onMessage);
    this.frame?.remove();
    this.frame = null;
  }

  private render(): void {
    if (this.frame) return;
    this.listeners.get('loaderstart')?.({ elementTagName: this.localName });
    const frame = document.createElement('iframe');
    frame.src = `${ORIGINS.connect}/v1.0/components/${this.component}?origin=${encodeURIComponent(window.location.origin)}`;
    frame.title = `Stripe Connect ${this.component}`;
    frame.name = `stripe-connect-${this.component}`;
    frame.style.border = '0';
    frame.style.width = '100%';
    frame.style.height = '120px';
    this.frame = frame;
    this.appendChild(frame);
  }

  /** Messages from this element's own frame only, sent from the Connect origin. */
  private receive(event: MessageEvent): void {
    const frame = this.frame;
    if (!frame || event.origin !== ORIGINS.connect || event.source !== frame.contentWindow || !isFrameMessage(event.data)) return;
    const data: unknown = event.data;
    const type = Reflect.get(data as object, 'type');
    if (type === 'connect-ready' || type === 'connect-expired') {
      const connector = this.connector;
      if (!connector) return;
      const secret = type === 'connect-ready' ? connector.clientSecret() : connector.refreshClientSecret();
      secret.then(
        (clientSecret) =>
          frame.contentWindow?.postMessage({ source: 'stripe-emulator', type: 'connect-secret', clientSecret }, ORIGINS.connect),
        () =>
          this.listeners.get('loaderror')?.({
            error: { type: 'authentication_error', message: 'fetchClientSecret failed' },
            elementTagName: this.localName,
          }),
      );
    } else if (type === 'connect-resize') {
      const height: unknown = Reflect.get(data as object, 'height');
      if (typeof height === 'number' && height > 0 && height < 10_000) frame.style.height = `${Math.ceil(height)}px`;
    } else if (type === 'connect-exit') {
      this.listeners.get('exit')?.(undefined);
    } else if (type === 'connect-notifications') {
      this.listeners.get('notificationschange')?.({
        total: Reflect.get(data as object, 'total'),
        actionRequired: Reflect.get(data as object, 'actionRequired'),
      });
    } else if (type === 'connect-error') {
      this.listeners.get('loaderror')?.({ error: Reflect.get(data as object, 'error'), elementTagName: this.localName });
    }
  }
}

function init(params: InitParams) {
  if (typeof params.fetchClientSecret !== 'function')
    throw new Error('StripeConnect.init needs fetchClientSecret, a function returning a client secret.');
  if (!/^pk_(test|live)_/.test(params.publishableKey)) throw new Error('StripeConnect.init needs publishableKey, a pk_test_… key.');
  let current: Promise<string> = params.metaOptions?.eagerClientSecretPromise ?? params.fetchClientSecret();
  const connect: Connector = {
    clientSecret: () => current,
    refreshClientSecret: () => (current = params.fetchClientSecret()),
  };
  return {
    connect,
    update: () => undefined,
    logout: () => Promise.resolve(),
  };
}

for (const component of COMPONENTS) {
  const tagName = `stripe-connect-${component}`;
  if (!customElements.get(tagName)) {
    customElements.define(
      tagName,
      class extends ConnectElement {
        constructor() {
          super(component);
        }
      },
    );
  }
}

Reflect.set(window, 'StripeConnect', Object.assign(Reflect.get(window, 'StripeConnect') ?? {}, { init }));
