// GET/POST /c/pay/:id: the hosted payment page and its form submission. Answers use
// relative URLs only, so the page works when a browser test serves it as
// https://checkout.stripe.com/c/pay/... through request routing.
import express, { Router, type Response } from 'express';
import type Stripe from 'stripe';
import { parseCardForm } from '../card-form';
import { payCheckoutSession } from '../checkout-payments';
import type { EmulatorContext } from '../context';
import { buildHostedPageCsp, renderClosedPage, renderNotFoundPage, renderPaymentPage, type PaymentFormState } from '../hosted-page';

export function createHostedPageRoutes(context: EmulatorContext): Router {
  const router = Router();
  // Only this small flat form is accepted here; a PAN-carrying body is parsed and never logged.
  const parseForm = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 });

  router.get('/c/pay/:id', (req, res) => {
    const session = context.store.sessions.get(req.params.id);
    if (!session) return sendPage(res, 404, undefined, renderNotFoundPage());
    if (session.status !== 'open') return sendPage(res, 200, session, renderClosedPage(session));
    sendPage(res, 200, session, renderPaymentPage(session, context.store.lineItems.get(session.id) ?? [], {}));
  });

  router.post('/c/pay/:id', parseForm, (req, res) => {
    const session = context.store.sessions.get(req.params.id);
    if (!session) return sendPage(res, 404, undefined, renderNotFoundPage());
    if (session.status !== 'open') return sendPage(res, 409, session, renderClosedPage(session));
    const lineItems = context.store.lineItems.get(session.id) ?? [];
    const form = parseCardForm(req.body, session.customer_email, new Date(context.now()));
    if (!form.ok) {
      const state: PaymentFormState = { error: { field: form.field, message: form.message }, values: form.values };
      return sendPage(res, 400, session, renderPaymentPage(session, lineItems, state));
    }
    const result = payCheckoutSession(context, session.id, form.card, {
      name: form.values.billingName,
      email: form.values.email,
      postalCode: form.values.billingPostalCode,
    });
    if (result.kind === 'declined') {
      // 402, as Stripe's API answers a decline; the page offers the form again for another card.
      const state: PaymentFormState = { error: { field: null, message: result.message }, values: form.values };
      return sendPage(res, 402, session, renderPaymentPage(session, lineItems, state));
    }
    // 303 makes the browser follow with a GET: https://www.rfc-editor.org/rfc/rfc9110#name-303-see-other
    res.redirect(303, result.redirectUrl);
  });

  return router;
}

function sendPage(res: Response, status: number, session: Stripe.Checkout.Session | undefined, body: string): void {
  res.status(status).set('Content-Security-Policy', buildHostedPageCsp(session)).type('html').send(body);
}
