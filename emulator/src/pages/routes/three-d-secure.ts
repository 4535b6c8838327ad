// The 3-D Secure challenge on the hooks origin, the inner two of Stripe's three frames
// (`__privateStripeFrame…` on the js origin, see stripe-js.ts, > `__stripeJSChallengeFrame`:
// GET /redirect/authenticate/:token > `acsFrame`: GET /3d_secure_2/challenge/:token), as public
// suites walk them. The inner page shows "Complete" and "Fail" (with the ids of Stripe's own
// test page); its POST applies the answer. Where the customer goes next depends on who started
// it: the hosted page (the whole page moves on), the embedded Checkout frame (Stripe.js reloads
// it) or the Payment Element (the modal closes); the last two are told by notify-parent.js.
// https://docs.stripe.com/testing#regulatory-cards
import express, { Router, type Response } from 'express';
import type Stripe from 'stripe';
import { resolveChallenge } from '../../state/card-payments';
import { completionUrl } from '../../state/checkout-payments';
import type { EmulatorContext, PublicOrigins } from '../../context';
import { StripeError } from '../../api/errors';
import { PAGE_STYLE_SOURCE, renderContinuePage, renderDocument, renderNotFoundPage } from '../layout';
import { amountText, html } from '../html';
import { CHALLENGE_AUTHENTICATE_PATH, NOTIFY_PARENT_PATH, readEmbedderOrigin } from './stripe-js';

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
    res.status(status).set('Content-Security-Policy', buildChallengeCsp(starter, context.origins)).type('html').send(body);

  router.get(`${CHALLENGE_AUTHENTICATE_PATH}:token`, (req, res) => {
    const found = findChallenge(req.params.token, req.query.origin);
    if (!found) return send(res, 404, undefined, renderNotFoundPage());
    const search = typeof req.query.origin === 'string' ? `?${new URLSearchParams({ origin: req.query.origin }).toString()}` : '';
    const src = `${context.origins.hooks}/3d_secure_2/challenge/${req.params.token}${search}`;
    send(
      res,
      200,
      found.starter,
      renderDocument(
        '3D Secure',
        html`<iframe name="acsFrame" title="3D Secure authentication" class="challenge-frame" src="${src}"></iframe>`,
        {
          framed: true,
        },
      ),
    );
  });

  router.get(path, (req, res) => {
    const found = findChallenge(req.params.token, req.query.origin);
    if (!found) return send(res, 404, undefined, renderNotFoundPage());
    const search = typeof req.query.origin === 'string' ? `?${new URLSearchParams({ origin: req.query.origin }).toString()}` : '';
    send(res, 200, found.starter, renderChallengePage(found.intent, `./${req.params.token}${search}`, found.starter.kind));
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
    const embedderOrigin = embedderOf(starter);
    if (embedderOrigin) {
      return send(
        res,
        200,
        starter,
        renderDocument('Authentication finished', html`<h1>Authentication finished</h1>`, {
          framed: true,
          script: NOTIFY_PARENT_PATH,
          notify: { message: { type: '3ds-complete' }, targetOrigin: embedderOrigin },
        }),
      );
    }
    if (starter.kind !== 'hosted') return send(res, 400, starter, renderNotFoundPage());
    const session = context.store.sessions.get(starter.session.id) ?? starter.session;
    // The form targets the top page: back to Checkout is a new navigation (see
    // renderContinuePage); on to success_url a 303.
    if (session.status !== 'complete')
      return send(res, 200, starter, renderContinuePage(`${context.origins.checkout}/c/pay/${session.id}`, false));
    res.redirect(303, completionUrl(session));
  });
  return router;
}

/** The shop page that hears the answer: the Payment Element's, or embedded Checkout's (return_url origin). */
function embedderOf(starter: Starter): string | null {
  if (starter.kind === 'payment_element') return starter.embedderOrigin;
  if (starter.kind === 'embedded' && starter.session.return_url) return new URL(starter.session.return_url).origin;
  return null;
}

function renderChallengePage(intent: Stripe.PaymentIntent, action: string, kind: Starter['kind']): string {
  return renderDocument(
    '3D Secure 2 Test Page',
    html`
    <p><span class="badge">TEST MODE</span></p>
    <h1>3D Secure 2 Test Page</h1>
    <p>Authenticate the payment of <strong>${amountText(intent.amount, intent.currency)}</strong>: this stands in for the bank's challenge.</p>
    <form method="post" action="${action}"${kind === 'hosted' ? html` target="_top"` : null}>
      <button type="submit" name="outcome" value="complete" id="test-source-authorize-3ds">Complete</button>
      <button type="submit" name="outcome" value="fail" id="test-source-fail-3ds" class="secondary">Fail</button>
    </form>`,
    { framed: true },
  );
}

/**
 * Who may frame the challenge, and where its form may lead. Every ancestor must be allowed
 * (https://www.w3.org/TR/CSP3/#directive-frame-ancestors): the hooks frame around it ('self'),
 * the js frame around that, then Checkout (hosted: the top page; embedded: the frame on the
 * merchant page, the return_url origin) or the merchant page (Payment Element, origin enforced
 * here). The hosted form may 303 the top page to success_url (Chrome applies form-action to the
 * redirect); the other two end with notify-parent.js.
 */
export function buildChallengeCsp(starter: Starter | undefined, origins: PublicOrigins): string {
  let ancestors = "'none'";
  let formTargets = "'self'";
  let script = '';
  if (starter?.kind === 'hosted') {
    const success = starter.session.success_url ? new URL(starter.session.success_url).origin : '';
    formTargets = `'self' ${success}`.trim();
    ancestors = `'self' ${origins.js} ${origins.checkout}`;
  } else if (starter) {
    ancestors = [`'self'`, origins.js, starter.kind === 'embedded' ? origins.checkout : null, embedderOf(starter) ?? "'none'"]
      .filter(Boolean)
      .join(' ');
    script = "script-src 'self'";
  }
  return [
    "default-src 'none'",
    script,
    `style-src ${PAGE_STYLE_SOURCE}`,
    starter ? "frame-src 'self'" : '',
    `form-action ${formTargets}`,
    `frame-ancestors ${ancestors}`,
    "base-uri 'none'",
  ]
    .filter(Boolean)
    .join('; ');
}
