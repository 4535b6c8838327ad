// The dashboard (GET /) and its actions, POST forms that stand in for Stripe Dashboard buttons:
//   /dashboard/payment-intents/:id/refund     full refund -> charge.refunded, refund.created
//   /dashboard/payment-intents/:id/dispute    fraud dispute -> charge.dispute.created
//   /dashboard/checkout-sessions/:id/expire   -> checkout.session.expired
//   /dashboard/checkout-sessions/:id/settle   outcome=succeeded|failed -> checkout.session.async_payment_*
// A POST from another site must not trigger them (CSRF): only the dashboard's own origin may.
// https://owasp.org/www-community/attacks/csrf and https://fetch.spec.whatwg.org/#origin-header
import express, { Router, type Request, type Response } from 'express';
import { createEmulatorActions } from '../../state/actions';
import type { EmulatorContext } from '../../context';
import { DASHBOARD_CSP, renderDashboard } from '../dashboard';
import { invalidRequest, StripeError } from '../../api/errors';
import { html } from '../html';
import { PAGE_STYLE_SOURCE, renderDocument } from '../layout';

export function createDashboardRoutes(context: EmulatorContext, describe: () => { url: string; endpoints: readonly string[] }): Router {
  const router = Router();
  // The buttons and emulator.actions are one implementation (events with request.id null).
  const actions = createEmulatorActions(context);
  const parseForm = express.urlencoded({ extended: false, limit: '1kb', parameterLimit: 5 });

  router.get('/', (_req, res) => {
    res.set('Content-Security-Policy', DASHBOARD_CSP).type('html').send(renderDashboard(context.store, describe()));
  });

  const action = (path: string, run: (req: Request) => void) => {
    router.post(path, parseForm, (req, res) => {
      if (!isSameOrigin(req, describe().url)) {
        return sendActionPage(res, 403, 'Refused: dashboard actions only accept forms posted from the dashboard itself.');
      }
      try {
        run(req);
      } catch (error) {
        if (error instanceof StripeError) return sendActionPage(res, error.status === 404 ? 404 : 409, error.message);
        throw error;
      }
      res.redirect(303, '/');
    });
  };

  action('/dashboard/payment-intents/:id/refund', (req) => {
    actions.refundPayment(String(req.params.id));
  });
  action('/dashboard/payment-intents/:id/dispute', (req) => {
    actions.disputePayment(String(req.params.id));
  });
  action('/dashboard/checkout-sessions/:id/expire', (req) => {
    actions.expireCheckoutSession(String(req.params.id));
  });
  action('/dashboard/checkout-sessions/:id/settle', (req) => {
    const outcome: unknown = Reflect.get(req.body ?? {}, 'outcome');
    if (outcome !== 'succeeded' && outcome !== 'failed') throw invalidRequest('outcome must be succeeded or failed.', 'outcome');
    actions.settleDelayedPayment(String(req.params.id), outcome);
  });
  return router;
}

/**
 * Browsers send `Origin` on every form POST, but as `null` under this server's
 * `Referrer-Policy: no-referrer`; `Sec-Fetch-Site` (which a page cannot set) then says where
 * the POST came from. Anything else (no browser signal at all, or another site) is refused.
 */
function isSameOrigin(req: Request, ownOrigin: string): boolean {
  const origin = req.get('origin');
  if (origin !== undefined && origin !== 'null') return origin === ownOrigin;
  return req.get('sec-fetch-site') === 'same-origin';
}

function sendActionPage(res: Response, status: number, message: string): void {
  res
    .status(status)
    .set(
      'Content-Security-Policy',
      `default-src 'none'; style-src ${PAGE_STYLE_SOURCE}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`,
    )
    .type('html')
    .send(
      renderDocument('Dashboard action', html`<h1 data-testid="action-error">${message}</h1><p><a href="/">Back to the dashboard</a></p>`),
    );
}
