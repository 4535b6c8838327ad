// `npm run emulator`: the emulator as a standalone process (see emulator/README.md).
import { readCliOptions, CLI_USAGE } from './cli-options';
import { startEmulator } from './index';

try {
  const cli = readCliOptions(process.argv.slice(2), process.env);
  if (cli.help) {
    console.log(CLI_USAGE);
    process.exit(0);
  }
  const emulator = await startEmulator(cli.options);
  console.log(`\nStripe emulator (test mode) at ${emulator.url}`);
  console.log(`  Dashboard:        ${emulator.url}/`);
  console.log(`  Hosted pages on:  ${emulator.hostedPageOrigin}`);
  console.log(`  Stripe.js:        ${emulator.stripeJsUrl}`);
  console.log(`  Connect.js:       ${emulator.connectJsUrl}`);
  console.log(`  SDK:              new Stripe('sk_test_...', { host: 'localhost', port: ${emulator.port}, protocol: 'https' })`);
  console.log('  Trust the CA:     NODE_EXTRA_CA_CERTS=.certs/dev-ca.pem (or https.Agent({ ca }))');
  if (cli.options.rateLimit)
    console.log(`  Rate limits:      Stripe's ${cli.options.rateLimit}-mode limits: requests over them get 429 rate_limit`);
  if (cli.generatedWebhookSecret)
    console.log(`  Webhook secret:   ${cli.generatedWebhookSecret}  (set STRIPE_WEBHOOK_SECRET in the app to this)`);
  const stop = () => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(`\n${CLI_USAGE}`);
  process.exit(1);
}
