// A charge's receipt (`receipt_url`, https://docs.stripe.com/receipts): what was paid, when, and
// with which card (brand and last 4 only). Served for a succeeded charge; Stripe's own receipts
// are on pay.stripe.com, the emulator's on its Checkout origin.
import { Router } from 'express';
import type Stripe from 'stripe';
import type { EmulatorContext } from '../../context';
import { RECEIPT_PATH } from '../../state/balance';
import { PAGE_STYLE_SOURCE, renderDocument, renderNotFoundPage } from '../layout';
import { amountText, formatTime, html } from '../html';

const RECEIPT_CSP = `default-src 'none'; style-src ${PAGE_STYLE_SOURCE}; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`;

function renderReceipt(charge: Stripe.Charge, businessName: string): string {
  const card = charge.payment_method_details?.card;
  return renderDocument(
    'Receipt',
    html`<span class="badge">Test mode</span><h1>Receipt from ${businessName}</h1>
<p class="total" data-testid="receipt-amount">${amountText(charge.amount, charge.currency)}</p>
<ul class="items"><li><span>Date paid</span><span>${formatTime(charge.created * 1000)}</span></li>
<li><span>Payment method</span><span data-testid="receipt-card">${card ? `${card.brand ?? 'card'} •••• ${card.last4 ?? ''}` : 'card'}</span></li></ul>`,
  );
}

export function createReceiptRoutes(context: EmulatorContext): Router {
  const router = Router();
  router.get(`${RECEIPT_PATH}:chargeId`, (req, res) => {
    const charge = context.store.charges.get(req.params.chargeId);
    res.set('Content-Security-Policy', RECEIPT_CSP).type('html');
    if (!charge?.receipt_url) return void res.status(404).send(renderNotFoundPage());
    res.send(renderReceipt(charge, context.businessName));
  });
  return router;
}
