// `npm run doctor`'s checks, in order: the configuration, then (with keys) the keys, the
// webhook endpoint and the account as Stripe reports them, then the certificate and the TLS
// mode. Every Stripe call is a read, made through server/src/payments.
import { rootCertificates } from 'node:tls';
import { readDevCaCertificate } from '../../common/dev-certs';
import { ConfigError, resolvePublicUrl, type Config } from '../../server/src/config';
import { listWebhookEndpoints, probeAppPermissions, retrieveAccountStatus } from '../../server/src/payments/account-checks';
import { createStripeClient } from '../../server/src/payments/stripe-client';
import { checkAccount } from './account';
import { checkCertificate, type TlsMode } from './certificate';
import { fail, pass, skip, type CheckLine } from './checklist';
import { checkKeyAccepted, checkKeyPair, checkPermissions } from './keys';
import { checkTlsMode, configuredTlsMode } from './tls-mode';
import { checkWebhookEndpoint, stripeCanReach } from './webhook-endpoint';

export interface DoctorOptions {
  /** Reads and validates the configuration (the CLI: loadConfigFromProcess). */
  loadConfig: () => Config;
  /** Default: the configuration's TLS mode. */
  tlsMode?: TlsMode;
  /** Default: now (certificate expiry is judged against it). */
  now?: Date;
  /** Proxy mode: extra CAs to trust for the served certificate (tests). */
  servedCa?: string[];
}

async function checkStripe(config: Config): Promise<CheckLine[]> {
  if (config.mode === 'emulated') {
    return [
      skip(
        'Stripe',
        'emulated mode (no STRIPE_SECRET_KEY): nothing to check against Stripe',
        'Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET (test or live mode) to check the keys, the webhook endpoint and the account.',
      ),
    ];
  }
  // A separately started emulator at STRIPE_API_URL uses the development CA, as main.ts trusts it.
  const devCa = config.stripe.apiUrl ? await readDevCaCertificate() : undefined;
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    ca: devCa ? [...rootCertificates, devCa] : null,
  });
  const account = await retrieveAccountStatus(stripe);
  const keyAccepted = checkKeyAccepted(config, account);
  const lines = [checkKeyPair(config), keyAccepted];
  if (keyAccepted.status === 'fail')
    return [...lines, skip('Stripe', 'the webhook endpoint, permissions and account are not checked until Stripe accepts the key')];
  const [probes, endpoints] = await Promise.all([
    probeAppPermissions(stripe),
    stripeCanReach(config) ? listWebhookEndpoints(stripe) : Promise.resolve({ ok: true as const, value: [] }),
  ]);
  return [...lines, ...checkPermissions(config, probes), ...checkWebhookEndpoint(config, endpoints), ...checkAccount(config, account)];
}

export async function runDoctor(options: DoctorOptions): Promise<CheckLine[]> {
  let config: Config;
  try {
    config = options.loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Nothing else can be judged from a configuration the app would refuse to start with.
    return error.problems.map((problem) => fail('Configuration', 'the app would refuse to start', problem));
  }
  const tlsMode = options.tlsMode ?? configuredTlsMode(config);
  return [
    pass('Configuration', `loads: ${config.mode} mode, PUBLIC_URL ${resolvePublicUrl(config, config.port)}, TLS mode ${tlsMode}`),
    ...(await checkStripe(config)),
    ...(await checkCertificate(config, {
      tlsMode,
      now: options.now ?? new Date(),
      localDevCaPem: await readDevCaCertificate(),
      ...(options.servedCa ? { servedCa: options.servedCa } : {}),
    })),
    ...checkTlsMode(config, tlsMode),
  ];
}
