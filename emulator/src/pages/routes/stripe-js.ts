// The Stripe.js stand-in and the Payment Element frame, on the js origin:
//   GET /endive/stripe.js                      what @stripe/stripe-js 10 injects (release train "endive")
//   GET /elements/payment-frame.html?origin=…  the card fields, embeddable by `origin` only
//   GET /elements/payment-frame.js             the frame's script
//   GET /_emulator/notify-parent.js            tells an embedding page a framed step ended
import { Router, type Response } from 'express';
import { withOrigins, type BrowserScripts } from '../browser-scripts';
import type { EmulatorContext } from '../../context';
import { PAGE_STYLE_SOURCE, renderDocument } from '../layout';
import { html } from '../html';

export const STRIPE_JS_PATH = '/endive/stripe.js';
export const NOTIFY_PARENT_PATH = '/_emulator/notify-parent.js';
const PAYMENT_FRAME_SCRIPT_PATH = '/elements/payment-frame.js';

export function createStripeJsRoutes(context: EmulatorContext, scripts: BrowserScripts): Router {
  const router = Router();

  router.get(STRIPE_JS_PATH, (_req, res) => {
    // Loaded by merchant pages on other origins as a classic script: CORP must allow that.
    res.set('Cross-Origin-Resource-Policy', 'cross-origin');
    sendScript(res, withOrigins(scripts.stripeJs, context.origins));
  });
  router.get(PAYMENT_FRAME_SCRIPT_PATH, (_req, res) => sendScript(res, withOrigins(scripts.paymentFrame, context.origins)));
  router.get(NOTIFY_PARENT_PATH, (_req, res) => sendScript(res, scripts.notifyParent));

  router.get('/elements/payment-frame.html', (req, res) => {
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
  return router;
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

/** Field names as Stripe's own Payment Element frame has them (`number`, `expiry`, `cvc`, `postalCode`). */
function renderPaymentFrame(): string {
  return renderDocument(
    'Payment Element',
    html`
    <div class="alert" role="alert" id="payment-error" hidden></div>
    <label for="number">Card number</label>
    <input id="number" name="number" type="text" inputmode="numeric" autocomplete="cc-number" placeholder="1234 1234 1234 1234">
    <div class="row">
      <div><label for="expiry">Expiration date</label><input id="expiry" name="expiry" type="text" inputmode="numeric" autocomplete="cc-exp" placeholder="MM / YY"></div>
      <div><label for="cvc">Security code</label><input id="cvc" name="cvc" type="text" inputmode="numeric" autocomplete="cc-csc" placeholder="CVC"></div>
    </div>
    <label for="postalCode">ZIP</label>
    <input id="postalCode" name="postalCode" type="text" autocomplete="postal-code">`,
    { framed: true, script: PAYMENT_FRAME_SCRIPT_PATH },
  );
}
