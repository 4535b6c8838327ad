// The Checkout pages: GET/POST /c/pay/:id (hosted, a full page) and GET/POST /c/embedded/:id
// (embedded, the frame Stripe.js mounts for `ui_mode=embedded_page`). Both work without
// JavaScript and answer with relative URLs, so they also work when a browser test serves them
// as https://checkout.stripe.com/... through request routing.
import express, { Router, type Response } from 'express';
import type Stripe from 'stripe';
import { parseCardForm } from '../../state/card-form';
import { completionUrl, payCheckoutSession } from '../../state/checkout-payments';
import type { EmulatorContext } from '../../context';
import { buildEmbeddedPageCsp, buildHostedPageCsp, renderClosedPage, renderPaymentPage, type PaymentFormState } from '../hosted-page';
import { renderDocument, renderNotFoundPage } from '../layout';
import { html } from '../html';
import { NOTIFY_PARENT_PATH, challengeFrameUrl } from './stripe-js';

export function createHostedPageRoutes(context: EmulatorContext): Router {
  const router = Router();
  // Only this small flat form is accepted here; a PAN-carrying body is parsed and never logged.
  const parseForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  for (const kind of ['hosted', 'embedded'] as const) {
    const path = kind === 'hosted' ? '/c/pay/:id' : '/c/embedded/:id';
    const send = (res: Response, status: number, session: Stripe.Checkout.Session | undefined, body: string) => {
      const csp = kind === 'hosted' ? buildHostedPageCsp(session, context.origins.js) : buildEmbeddedPageCsp(session, context.origins.js);
      res.status(status).set('Content-Security-Policy', csp).type('html').send(body);
    };
    const findSession = (id: string) => {
      const session = context.store.sessions.get(id);
      return session?.ui_mode === (kind === 'hosted' ? 'hosted_page' : 'embedded_page') ? session : undefined;
    };

    router.get(path, (req, res) => {
      const session = findSession(req.params.id);
      if (!session) return send(res, 404, undefined, renderNotFoundPage());
      if (session.status === 'complete' && kind === 'embedded') return send(res, 200, session, renderEmbeddedCompletePage(session));
      if (session.status !== 'open') return send(res, 200, session, renderClosedPage(session));
      send(
        res,
        200,
        session,
        renderPaymentPage(session, context.store.lineItems.get(session.id) ?? [], {
          businessName: context.businessName,
          state: stateAfterChallenge(context, session),
        }),
      );
    });

    router.post(path, parseForm, (req, res) => {
      const session = findSession(req.params.id);
      if (!session) return send(res, 404, undefined, renderNotFoundPage());
      if (session.status !== 'open') return send(res, 409, session, renderClosedPage(session));
      const lineItems = context.store.lineItems.get(session.id) ?? [];
      const form = parseCardForm(req.body, session.customer_email, new Date(context.now()));
      if (!form.ok) {
        const state: PaymentFormState = { error: { field: form.field, message: form.message }, values: form.values };
        return send(res, 400, session, renderPaymentPage(session, lineItems, { businessName: context.businessName, state }));
      }
      const result = payCheckoutSession(context, session.id, form.card, {
        name: form.values.billingName,
        email: form.values.email,
        postalCode: form.values.billingPostalCode,
      });
      if (result.kind === 'declined') {
        // 402, as Stripe's API answers a decline; the page offers the form again for another card.
        const state: PaymentFormState = { error: { field: null, message: result.message }, values: form.values };
        return send(res, 402, session, renderPaymentPage(session, lineItems, { businessName: context.businessName, state }));
      }
      // 3-D Secure: the challenge opens in frames over the form, as on Stripe's Checkout; its
      // answer moves the hosted page on, or reloads the embedded frame (see three-d-secure.ts).
      if (result.kind === 'requires_action') {
        const embedder = kind === 'embedded' && session.return_url ? new URL(session.return_url).origin : null;
        const state: PaymentFormState = {
          values: form.values,
          challengeFrameUrl: challengeFrameUrl(context.origins, result.challengeUrl, embedder),
        };
        return send(res, 200, session, renderPaymentPage(session, lineItems, { businessName: context.businessName, state }));
      }
      if (kind === 'embedded') return send(res, 200, session, renderEmbeddedCompletePage(session));
      // 303 makes the browser follow with a GET: https://www.rfc-editor.org/rfc/rfc9110#name-303-see-other
      res.redirect(303, result.redirectUrl);
    });
  }
  return router;
}

/** After a failed 3-D Secure challenge the customer is sent back here: show why. */
function stateAfterChallenge(context: EmulatorContext, session: Stripe.Checkout.Session): PaymentFormState {
  const intent = typeof session.payment_intent === 'string' ? context.store.paymentIntents.get(session.payment_intent) : undefined;
  const error = intent?.status === 'requires_payment_method' ? intent.last_payment_error : null;
  return error?.code === 'payment_intent_authentication_failure' && error.message ? { error: { field: null, message: error.message } } : {};
}

/** Embedded Checkout's last page: tells the merchant page (return_url's origin) to move on. */
function renderEmbeddedCompletePage(session: Stripe.Checkout.Session): string {
  const returnUrl = completionUrl(session);
  return renderDocument('Payment complete', html`<h1 data-testid="embedded-complete">Payment complete</h1><p>Returning to the shop…</p>`, {
    framed: true,
    script: NOTIFY_PARENT_PATH,
    notify: { message: { type: 'checkout-complete', returnUrl }, targetOrigin: new URL(returnUrl).origin },
  });
}
