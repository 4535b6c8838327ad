// `npx tsx scripts/bench/webhooks.ts --mode ingest|fulfil|emulator [--events N] [--connections C]`:
// one measurement of the webhook path, printed as JSON.
// - ingest: signed events of a type the app does not act on (verify, the processed-events
//   check and its insert, the log line), sent to the app in Stripe test mode.
// - fulfil: `payment_intent.succeeded` for orders the app created, each re-read from the
//   emulator (a separate process from the app) and fulfilled.
// - emulator: payments/s the emulator completes (create + confirm) while delivering every
//   event to one endpoint (a bare HTTPS server in its own process that answers 200).
// Timings on a shared machine are noisy: run it several times, alternating, and take medians.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import Stripe from 'stripe';
import { startEmulator } from '../../emulator/src/index';
import { launchChaosApp } from '../chaos/chaos-app';
import { createAppApi } from '../chaos/run-chaos';
import { loadActiveCatalog } from '../../test-support/catalog';
import { REPO_ROOT, tsxNodeArgs } from '../../test-support/tsx-node';
import type { SenderSummary } from './webhook-sender';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'ingest' },
    events: { type: 'string', default: '3000' },
    connections: { type: 'string', default: '10' },
  },
});
const mode = values.mode;
const count = Number(values.events);
const connections = Number(values.connections);

function send(url: string, ca: string, secret: string, payloads: string[]): Promise<SenderSummary> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, tsxNodeArgs(path.join('scripts', 'bench', 'webhook-sender.ts')), {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as SenderSummary) : reject(new Error(`sender exited ${code}`))));
    child.stdin.end(JSON.stringify({ url, ca, secret, connections, payloads }));
  });
}

function ignoredEvent(index: number): string {
  // Letters only: a long digit run could look like a card number, which the store refuses.
  const id = `evt_bench${randomBytes(8)
    .toString('hex')
    .replace(/\d/g, (d) => 'ghijklmnop'[Number(d)] ?? 'x')}x${index}`;
  return JSON.stringify({
    id,
    object: 'event',
    type: 'customer.created',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    data: { object: { id: `cus_bench${index}`, object: 'customer' } },
  });
}

async function benchApp(kind: 'ingest' | 'fulfil'): Promise<unknown> {
  const emulator = await startEmulator({ port: 0, logger: pino({ level: 'silent' }) });
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-webhooks-'));
  const app = await launchChaosApp({
    dir,
    emulatorUrl: emulator.url,
    webhookSecret: secret,
    databaseUrl: `file:${dir}/app.sqlite`,
    ca: emulator.ca,
  });
  try {
    let payloads: string[];
    if (kind === 'ingest') {
      payloads = Array.from({ length: count }, (_, index) => ignoredEvent(index));
    } else {
      const api = createAppApi(app.url, emulator.ca);
      const product = loadActiveCatalog().products[0]?.id ?? '';
      const intents: string[] = [];
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          for (let i = next++; i < count; i = next++) {
            const answer = (await api('/api/payment-intents', { items: [{ productId: product, quantity: 1 }] })) as {
              clientSecret: string;
            };
            intents.push(answer.clientSecret.split('_secret_')[0] ?? '');
          }
        }),
      );
      for (const id of intents) emulator.actions.confirmPaymentIntent(id, { number: '4242 4242 4242 4242' });
      payloads = emulator.state
        .readEvents()
        .filter((event) => event.type === 'payment_intent.succeeded')
        .map((event) => JSON.stringify(event));
    }
    // Warm-up (a tenth, not measured), then the run.
    const warm = Math.floor(payloads.length / 10);
    await send(`${app.url}/webhooks/stripe`, emulator.ca, secret, payloads.slice(0, warm));
    return await send(`${app.url}/webhooks/stripe`, emulator.ca, secret, payloads.slice(warm));
  } finally {
    await app.stop();
    await emulator.close();
  }
}

const ENDPOINT = `
import https from 'node:https';
let received = 0;
const server = https.createServer({ key: process.env.KEY, cert: process.env.CERT }, (req, res) => {
  req.resume();
  req.on('end', () => { received += 1; res.end('{"received":true}'); });
});
server.listen(0, 'localhost', () => console.log(JSON.stringify({ port: server.address().port })));
process.on('message', () => process.send(received));
`;

async function benchEmulator(): Promise<unknown> {
  const { ensureDevCertificate } = await import('../../common/dev-certs');
  const certificate = await ensureDevCertificate();
  const endpoint = spawn(process.execPath, ['--input-type=module', '-e', ENDPOINT], {
    env: { KEY: certificate.key, CERT: certificate.cert },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve) =>
    endpoint.stdout?.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port)),
  );
  const received = () =>
    new Promise<number>((resolve) => {
      endpoint.once('message', (n) => resolve(Number(n)));
      endpoint.send('count');
    });
  const emulator = await startEmulator({
    port: 0,
    logger: pino({ level: 'info' }, pino.destination({ dest: '/dev/null', sync: true })),
    webhookEndpoints: [{ url: `https://localhost:${port}/webhooks/stripe`, secret: `whsec_${randomBytes(24).toString('base64url')}` }],
  });
  const stripe = new Stripe('sk_test_bench0123456789', {
    host: 'localhost',
    port: emulator.port,
    protocol: 'https',
    httpAgent: new https.Agent({ keepAlive: true, ca: emulator.ca }),
  });
  try {
    const pay = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: connections }, async () => {
          for (let i = next++; i < n; i = next++) {
            const intent = await stripe.paymentIntents.create({
              amount: 1000,
              currency: 'usd',
              automatic_payment_methods: { enabled: true },
            });
            emulator.actions.confirmPaymentIntent(intent.id, { number: '4242 4242 4242 4242' });
          }
        }),
      );
    };
    let expected = 0;
    const drained = async () => {
      while ((await received()) < expected) await new Promise((resolve) => setTimeout(resolve, 5));
    };
    await pay(Math.floor(count / 10));
    expected = emulator.state.readEvents().length;
    await drained();
    const started = process.hrtime.bigint();
    await pay(count);
    const paid = Number(process.hrtime.bigint() - started) / 1e9;
    expected = emulator.state.readEvents().length;
    await drained();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return {
      payments: count,
      events: emulator.state.readEvents().length,
      paymentsPerSecondDelivered: Math.round(count / seconds),
      paymentsPerSecondApi: Math.round(count / paid),
    };
  } finally {
    await emulator.close();
    endpoint.kill();
  }
}

const result = mode === 'emulator' ? await benchEmulator() : await benchApp(mode === 'fulfil' ? 'fulfil' : 'ingest');
console.log(JSON.stringify({ mode, ...(result as object) }));
process.exit(0);
