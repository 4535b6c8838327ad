// The 3-D Secure challenge on the hooks origin: GET shows "Complete" and "Fail" (with the ids
// of Stripe's own test page), POST applies the answer. Where the customer goes next depends
// on who started it: the hosted page (full-page redirects), the embedded Checkout frame (back
// into it), or the Payment Element (a modal frame that tells the merchant page it is done).
// https://docs.stripe.com/testing#regulatory-cards
import express, { Router, type Response } from 'express';
import type Stripe from 'stripe';
import { resolveChallenge } from '../../state/card-payments';
import { completionUrl } from '../../state/checkout-payments';
import type { EmulatorContext } from '../../context';
import { StripeError } from '../../api/errors';
import { PAGE_STYLE_SOURCE, renderContinuePage, renderDocument, renderNotFoundPage } from '../layout';
import { amountText, html } from '../html';
import { NOTIFY_PARENT_PATH, readEmbedderOrigin } from './stripe-js';

type Starter =
  | { kind: 'hosted'; session: Stripe.Checkout.Session }
  | { kind: 'embedded'; session: Stripe.Checkout.Session }
  | { kind: 'payment_element'; embedderOrigin: string };

export function createThreeDSecureRoutes(context: EmulatorContext): Router {
  const router = Router();
  const parseForm = express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 });
  const path = '/3d_secure_2/challenge/:token';

  function findChallenge(token: string, origin: unknown): { intent: Stripe.PaymentIntent; starter: Starter } | undefined {
    const intentId = context.store.challenges.get(token);
    const intent = intentId ? context.store.paymentIntents.get(intentId) : undefined;
    if (!intent) return undefined;
    const session = context.store.findSessionByPaymentIntent(intent.id);
    if (session) return { intent, starter: { kind: session.ui_mode === 'embedded_page' ? 'embedded' : 'hosted', session } };
    const embedderOrigin = readEmbedderOrigin(origin);
    return embedderOrigin ? { intent, starter: { kind: 'payment_element', embedderOrigin } } : undefined;
  }

  const send = (res: Response, status: number, starter: Starter | undefined, body: string) =>
    res.status(status).set('Content-Security-Policy', buildChallengeCsp(starter)).type('html').send(body);

  router.get(path, (req, res) => {
    const found = findChallenge(req.params.token, req.query.origin);
    if (!found) return send(res, 404, undefined, renderNotFoundPage());
    const search = typeof req.query.origin === 'string' ? `?${new URLSearchParams({ origin: req.query.origin }).toString()}` : '';
    send(res, 200, found.starter, renderChallengePage(found.intent, `./${req.params.token}${search}`, found.starter.kind !== 'hosted'));
  });

  router.post(path, parseForm, (req, res) => {
    const found = findChallenge(req.params.token, req.query.origin);
    if (!found) return send(res, 404, undefined, renderNotFoundPage());
    const outcome: unknown = Reflect.get(req.body ?? {}, 'outcome');
    if (outcome !== 'complete' && outcome !== 'fail')
      return send(res, 400, found.starter, renderDocument('Bad request', html`<h1>Choose Complete or Fail.</h1>`));
    try {
      resolveChallenge(context, req.params.token, outcome === 'complete');
    } catch (error) {
      if (error instanceof StripeError)
        return send(res, 409, found.starter, renderDocument('Already answered', html`<h1>${error.message}</h1>`));
      throw error;
    }
    const { starter } = found;
    if (starter.kind === 'payment_element') {
      return send(
        res,
        200,
        starter,
        renderDocument('Authentication finished', html`<h1>Authentication finished</h1>`, {
          framed: true,
          script: NOTIFY_PARENT_PATH,
          notify: { message: { type: '3ds-complete' }, targetOrigin: starter.embedderOrigin },
        }),
      );
    }
    const session = context.store.sessions.get(starter.session.id) ?? starter.session;
    // Back to Checkout is a new navigation (see renderContinuePage); on to success_url a 303.
    if (starter.kind === 'embedded')
      return send(res, 200, starter, renderContinuePage(`${context.origins.checkout}/c/embedded/${session.id}`, true));
    if (session.status !== 'complete')
      return send(res, 200, starter, renderContinuePage(`${context.origins.checkout}/c/pay/${session.id}`, false));
    res.redirect(303, completionUrl(session));
  });
  return router;
}

function renderChallengePage(intent: Stripe.PaymentIntent, action: string, framed: boolean): string {
  return renderDocument(
    '3D Secure 2 Test Page',
    html`
    <p><span class="badge">TEST MODE</span></p>
    <h1>3D Secure 2 Test Page</h1>
    <p>Authenticate the payment of <strong>${amountText(intent.amount, intent.currency)}</strong>: this stands in for the bank's challenge.</p>
    <form method="post" action="${action}">
      <button type="submit" name="outcome" value="complete" id="test-source-authorize-3ds">Complete</button>
      <button type="submit" name="outcome" value="fail" id="test-source-fail-3ds" class="secondary">Fail</button>
    </form>`,
    { framed },
  );
}

/**
 * Who may frame the challenge, and where its form may lead: the hosted page's is a top-level
 * page (no framing; its form may 303 to success_url, as Chrome applies form-action to the
 * redirect); embedded Checkout's replaces the Checkout frame, so the merchant page (the
 * return_url origin) is its ancestor; the Payment Element's modal is framed by the merchant
 * page (origin enforced here).
 */
export function buildChallengeCsp(starter: Starter | undefined): string {
  let ancestors = "'none'";
  let formTargets = "'self'";
  let script = '';
  if (starter?.kind === 'hosted') {
    const success = starter.session.success_url ? new URL(starter.session.success_url).origin : '';
    formTargets = `'self' ${success}`.trim();
  } else if (starter?.kind === 'embedded') {
    ancestors = starter.session.return_url ? new URL(starter.session.return_url).origin : "'none'";
  } else if (starter?.kind === 'payment_element') {
    ancestors = starter.embedderOrigin;
    script = "script-src 'self'";
  }
  return [
    "default-src 'none'",
    script,
    `style-src ${PAGE_STYLE_SOURCE}`,
    `form-action ${formTargets}`,
    `frame-ancestors ${ancestors}`,
    "base-uri 'none'",
  ]
    .filter(Boolean)
    .join('; ');
}
