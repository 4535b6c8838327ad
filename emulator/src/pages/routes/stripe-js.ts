// The Stripe.js stand-in and its frames, on the js origin, at paths shaped like Stripe's own:
//   GET /endive/stripe.js                               what @stripe/stripe-js 10 injects (release train "endive")
//   GET /v3/elements-inner-payment.html?origin=…        the card fields, embeddable by `origin` only
//   GET /v3/elements-inner-payment.js                   the frame's script
//   GET /v3/three-ds-2-challenge.html?token=…&origin=…  the outer frame of the 3-D Secure challenge
//   GET /_emulator/notify-parent.js                     tells an embedding page a framed step ended
// Public suites find Stripe's card frame by `src*="elements-inner-payment"` (a same-titled frame
// comes and goes first), e.g. stripe-samples/accept-a-payment spec/payment_element_e2e_spec.rb.
import { Router, type Response } from 'express';
import { withOrigins, type BrowserScripts } from '../browser-scripts';
import type { EmulatorContext, PublicOrigins } from '../../context';
import { PAGE_STYLE_SOURCE, renderDocument } from '../layout';
import { html } from '../html';
import { STRIPE_JS_PATH } from '../../../../common/stripe-js';

export const NOTIFY_PARENT_PATH = '/_emulator/notify-parent.js';
export const PAYMENT_FRAME_PATH = '/v3/elements-inner-payment.html';
const PAYMENT_FRAME_SCRIPT_PATH = '/v3/elements-inner-payment.js';
export const CHALLENGE_HOST_PATH = '/v3/three-ds-2-challenge.html';

export function createStripeJsRoutes(context: EmulatorContext, scripts: BrowserScripts): Router {
  const router = Router();

  router.get(STRIPE_JS_PATH, (_req, res) => {
    // Loaded by merchant pages on other origins as a classic script: CORP must allow that.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    sendScript(res, withOrigins(scripts.stripeJs, context.origins));
  });
  router.get(PAYMENT_FRAME_SCRIPT_PATH, (_req, res) => sendScript(res, withOrigins(scripts.paymentFrame, context.origins)));
  router.get(NOTIFY_PARENT_PATH, (_req, res) => sendScript(res, scripts.notifyParent));

  router.get(PAYMENT_FRAME_PATH, (req, res) => {
    const origin = readEmbedderOrigin(req.query.origin);
    if (!origin) {
      res
        .status(400)
        .type('text')
        .send('Bad request: the frame needs ?origin=<the embedding page origin>, as the Stripe.js stand-in sends it.');
      return;
    }
    res.set('Content-Security-Policy', buildPaymentFrameCsp(origin, context.origins.api)).type('html').send(renderPaymentFrame());
  });

  // The challenge's outer frame: Stripe nests it three deep (`__privateStripeFrame…` here >
  // `__stripeJSChallengeFrame` on hooks > `acsFrame`, the bank's page), as public suites walk it.
  router.get(CHALLENGE_HOST_PATH, (req, res) => {
    const token = typeof req.query.token === 'string' && CHALLENGE_TOKEN.test(req.query.token) ? req.query.token : undefined;
    const origin = req.query.origin === undefined ? null : readEmbedderOrigin(req.query.origin);
    if (!token || origin === undefined) {
      res
        .status(400)
        .type('text')
        .send('Bad request: the frame needs ?token=<challenge token> and, when framed by a shop, ?origin=<its origin>.');
      return;
    }
    const search = new URLSearchParams(origin ? { origin } : {});
    const src = `${context.origins.hooks}${CHALLENGE_AUTHENTICATE_PATH}${token}${origin ? `?${search.toString()}` : ''}`;
    res
      .set('Content-Security-Policy', buildChallengeHostCsp(context.origins, origin))
      .type('html')
      .send(
        renderDocument(
          '3D Secure',
          html`<iframe id="challengeFrame" name="__stripeJSChallengeFrame" title="3D Secure challenge" class="challenge-frame" src="${src}"></iframe>`,
          { framed: true },
        ),
      );
  });
  return router;
}

/** The outer challenge frame for a challenge URL (hooks origin), framed by `embedderOrigin` too when given. */
export function challengeFrameUrl(origins: PublicOrigins, challengeUrl: string, embedderOrigin: string | null): string {
  const token = new URL(challengeUrl).pathname.split('/').pop() ?? '';
  const query = new URLSearchParams({ token, ...(embedderOrigin ? { origin: embedderOrigin } : {}) });
  return `${origins.js}${CHALLENGE_HOST_PATH}?${query.toString()}`;
}

/** Challenge tokens as card-payments.ts makes them; anything else is refused before it reaches a URL. */
const CHALLENGE_TOKEN = /^[A-Za-z0-9_-]{1,100}$/;
/** The middle frame's path on the hooks origin (see three-d-secure.ts). */
export const CHALLENGE_AUTHENTICATE_PATH = '/redirect/authenticate/';

/**
 * The outer challenge frame sits in Checkout (hosted or embedded) or on the shop's page (the
 * Payment Element); every ancestor must be allowed (https://www.w3.org/TR/CSP3/#directive-frame-ancestors).
 */
export function buildChallengeHostCsp(origins: PublicOrigins, embedderOrigin: string | null): string {
  return [
    "default-src 'none'",
    `style-src ${PAGE_STYLE_SOURCE}`,
    `frame-src ${origins.hooks}`,
    "form-action 'none'",
    `frame-ancestors ${[origins.checkout, embedderOrigin].filter(Boolean).join(' ')}`,
    "base-uri 'none'",
  ].join('; ');
}

function sendScript(res: Response, code: string): void {
  res.type('application/javascript; charset=utf-8').send(code);
}

/**
 * The embedding page's origin, as the stand-in passes it. The browser enforces it through
 * `frame-ancestors`, so the frame may trust it as the only target of its messages.
 */
export function readEmbedderOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (!/^https?:$/.test(url.protocol) || url.origin !== value) return undefined;
  return url.origin;
}

export function buildPaymentFrameCsp(embedderOrigin: string, apiOrigin: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${PAGE_STYLE_SOURCE}`,
    `connect-src ${apiOrigin}`,
    "form-action 'none'",
    `frame-ancestors ${embedderOrigin}`,
    "base-uri 'none'",
  ].join('; ');
}

/** A short list: the select is there for its structure (the emulator records only the postal code). */
const COUNTRIES: readonly (readonly [string, string])[] = [
  ['US', 'United States'],
  ['GB', 'United Kingdom'],
  ['DE', 'Germany'],
  ['FR', 'France'],
  ['JP', 'Japan'],
];

/**
 * Structured as Stripe's Payment Element frame: a card tab (`data-testid="card"`) that opens the
 * card fields, found by name (`number`, `expiry`, `cvc`, a `country` select, `postalCode`; Stripe's
 * ids change between versions). Names as stripe-samples/accept-a-payment fills them in
 * spec/payment_element_e2e_spec.rb.
 */
function renderPaymentFrame(): string {
  return renderDocument(
    'Payment Element',
    html`
    <div class="alert" role="alert" id="payment-error" hidden></div>
    <div role="tablist"><button type="button" role="tab" class="tab" data-testid="card" id="card-tab" aria-selected="false" aria-controls="card-panel">Card</button></div>
    <div id="card-panel" role="tabpanel" aria-labelledby="card-tab" hidden>
    <label for="number">Card number</label>
    <input id="number" name="number" type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234">
    <div class="row">
      <div><label for="expiry">Expiration date</label><input id="expiry" name="expiry" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY"></div>
      <div><label for="cvc">Security code</label><input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC"></div>
    </div>
    <label for="country">Country</label>
    <select id="country" name="country" autocomplete="country">${COUNTRIES.map(([code, name]) => html`<option value="${code}">${name}</option>`)}</select>
    <label for="postalCode">ZIP</label>
    <input id="postalCode" name="postalCode" type="text" autocomplete="postal-code">
    </div>`,
    { framed: true, script: PAYMENT_FRAME_SCRIPT_PATH },
  );
}
