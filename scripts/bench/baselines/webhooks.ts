// Baseline for webhooks: verify only. Reads the body (up to the app's 512 kB limit), checks the
// Stripe-Signature with the same `stripe` package's webhooks.constructEvent, secret and
// tolerance as the app (server/src/payments/webhook-events.ts), and answers as the app did
// (BASELINE_ANSWER), or 400. What the app does on top: Express and its middleware, helmet, the
// event's shape and livemode checks, the idempotency lookup and the insert of the event id in
// SQLite, and its log lines.
import Stripe from 'stripe';
import { WEBHOOK_TOLERANCE_SECONDS } from '../../../server/src/payments/webhook-events';
import { createReplay, parseCapturedAnswer } from './replay';
import { requireVariable, serveBaseline } from './https-server';

const BODY_LIMIT_BYTES = 512 * 1024;
const secret = requireVariable('BASELINE_WEBHOOK_SECRET');
const replay = createReplay(parseCapturedAnswer(requireVariable('BASELINE_ANSWER')));
// No API call is made: the key only satisfies the constructor.
const stripe = new Stripe('sk_test_baselineOnly0000');

serveBaseline({ method: 'POST', path: requireVariable('BASELINE_PATH') }, (req, res) => {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) req.destroy();
    else chunks.push(chunk);
  });
  req.on('end', () => {
    try {
      stripe.webhooks.constructEvent(Buffer.concat(chunks), req.headers['stripe-signature'] ?? '', secret, WEBHOOK_TOLERANCE_SECONDS);
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"invalid_signature","message":"The webhook signature is not valid."}}');
      return;
    }
    replay(res);
  });
});
