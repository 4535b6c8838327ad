// Pure parts: Luhn, the card form, the signature scheme, options and CLI parsing.
import fc from 'fast-check';
import { pino } from 'pino';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { parseCardForm } from '../src/state/card-form';
import { readCliOptions } from '../src/cli-options';
import { startEmulator } from '../src/index';
import { resolveOptions } from '../src/options';
import { formatParam } from '../src/api/params';
import { findTestCard, isLuhnValid } from '../src/state/test-cards';
import { signWebhookPayload } from '../src/webhooks/signature';

const stripe = new Stripe('sk_test_unitTests123456');

describe('test cards', () => {
  it('knows the documented behaviours', () => {
    expect(findTestCard('4242424242424242')).toMatchObject({
      brand: 'visa',
      funding: 'credit',
      country: 'US',
      outcome: { kind: 'succeeds' },
    });
    expect(findTestCard('4000000000000002')?.outcome).toMatchObject({
      kind: 'declined',
      code: 'card_declined',
      declineCode: 'generic_decline',
    });
    expect(findTestCard('4000000000009995')?.outcome).toMatchObject({
      kind: 'declined',
      code: 'card_declined',
      declineCode: 'insufficient_funds',
    });
    expect(findTestCard('4111111111111111')).toBeUndefined();
  });

  it('accepts exactly the numbers whose Luhn check digit is right', () => {
    expect(isLuhnValid('4242424242424242')).toBe(true);
    expect(isLuhnValid('4242424242424241')).toBe(false);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 11, maxLength: 18 }), (digits) => {
        const body = digits.join('');
        const valid = [...Array(10).keys()].filter((check) => isLuhnValid(`${body}${check}`));
        expect(valid).toHaveLength(1); // exactly one check digit completes any number
      }),
    );
  });
});

describe('card form', () => {
  const now = new Date('2026-11-28T12:00:00Z');
  const base = { email: 'a@example.com', cardNumber: '4242 4242 4242 4242', cardExpiry: '11 / 26', cardCvc: '123', billingName: 'A' };

  it.each([
    ['12 / 34', 12, 2034],
    ['12/34', 12, 2034],
    ['1234', 12, 2034],
    ['01/2030', 1, 2030],
    ['11 / 26', 11, 2026],
  ])('reads the expiry %s', (cardExpiry, expMonth, expYear) => {
    const result = parseCardForm({ ...base, cardExpiry }, null, now);
    expect(result).toMatchObject({ ok: true, card: { number: '4242424242424242', expMonth, expYear } });
  });

  it.each([
    ['10 / 26', "Your card's expiration date is in the past."],
    ['13 / 30', "Your card's expiration date is incomplete."],
    ['1', "Your card's expiration date is incomplete."],
  ])('refuses the expiry %s', (cardExpiry, message) => {
    expect(parseCardForm({ ...base, cardExpiry }, null, now)).toMatchObject({ ok: false, field: 'cardExpiry', message });
  });

  it('wants a 4-digit CVC for American Express', () => {
    expect(parseCardForm({ ...base, cardNumber: '378282246310005', cardCvc: '123' }, null, now)).toMatchObject({
      ok: false,
      field: 'cardCvc',
    });
    expect(parseCardForm({ ...base, cardNumber: '378282246310005', cardCvc: '1234' }, null, now)).toMatchObject({ ok: true });
  });

  it('ignores non-string and missing fields safely', () => {
    expect(parseCardForm(undefined, null, now)).toMatchObject({ ok: false, field: 'email' });
    expect(parseCardForm({ ...base, cardNumber: ['4242'] }, null, now)).toMatchObject({ ok: false, field: 'cardNumber' });
  });
});

describe('webhook signature', () => {
  it("matches the SDK's own test header for the same payload, secret and time", () => {
    const payload = JSON.stringify({ id: 'evt_1', object: 'event' });
    const timestamp = 1_790_000_000;
    const ours = signWebhookPayload(payload, 'whsec_abcdefgh123', timestamp);
    const sdk = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_abcdefgh123', timestamp });
    expect(ours).toBe(sdk);
  });
});

describe('params', () => {
  it('names nested parameters in bracket notation', () => {
    expect(formatParam(['line_items', 0, 'price_data', 'currency'])).toBe('line_items[0][price_data][currency]');
  });
});

describe('options', () => {
  it.each([
    [
      { webhookEndpoints: [{ url: 'https://localhost:3000/webhooks/stripe', secret: 'sk_test_oops' }] },
      /webhookEndpoints\.0\.secret must start with whsec_/,
    ],
    [{ webhookEndpoints: [{ url: 'ftp://x', secret: 'whsec_abcdefgh' }] }, /webhookEndpoints\.0\.url must be an http\(s\) URL/],
    [{ publicOrigins: 'checkout' }, /publicOrigins must be 'local' or 'stripe'/],
    [{ port: 70000 }, /port must be 0-65535/],
    [{ secretKeys: ['sk_live_abc'] }, /must start with sk_test_/],
    [{ prot: 1 }, /prot/],
  ])('fails at startup with a fix-it message for %j', (options: unknown, message) => {
    expect(() => resolveOptions(options)).toThrow(message);
  });

  it('makes startEmulator fail before listening on a bad option', async () => {
    await expect(
      startEmulator({ port: 0, webhookEndpoints: [{ url: 'https://localhost:3000/webhooks/stripe', secret: 'oops' }] }),
    ).rejects.toThrow(/Invalid Stripe emulator options:\n {2}- webhookEndpoints\.0\.secret must start with whsec_/);
  });

  it('fills the documented defaults', () => {
    expect(resolveOptions({})).toMatchObject({
      port: 12111,
      host: 'localhost',
      publicOrigins: 'local',
      webhookEndpoints: [],
      webhookTimeoutMs: 10_000,
    });
  });

  it('says how to fix a port already in use', async () => {
    const first = await startEmulator({ port: 0, logger: pino({ level: 'silent' }) });
    try {
      await expect(startEmulator({ port: first.port, logger: pino({ level: 'silent' }) })).rejects.toThrow(/in use.*EMULATOR_PORT/);
    } finally {
      await first.close();
    }
  });
});

describe('CLI options', () => {
  it('reads environment variables', () => {
    const cli = readCliOptions([], {
      EMULATOR_PORT: '4242',
      EMULATOR_ORIGINS: 'stripe',
      EMULATOR_WEBHOOK_URL: 'https://localhost:3000/webhooks/stripe',
      EMULATOR_WEBHOOK_SECRET: 'whsec_fromEnvironment',
      EMULATOR_WEBHOOK_RETRY_DELAYS_MS: '10, 20,30',
      EMULATOR_WEBHOOK_TIMEOUT_MS: '500',
    });
    expect(cli.options).toEqual({
      port: 4242,
      publicOrigins: 'stripe',
      webhookEndpoints: [{ url: 'https://localhost:3000/webhooks/stripe', secret: 'whsec_fromEnvironment' }],
      webhookRetryDelaysMs: [10, 20, 30],
      webhookTimeoutMs: 500,
    });
    expect(cli.generatedWebhookSecret).toBeUndefined();
  });

  it('lets flags win over the environment and generates a secret when none is given', () => {
    const cli = readCliOptions(['--port', '0', '--webhook-url', 'https://localhost:3000/webhooks/stripe'], { EMULATOR_PORT: '4242' });
    expect(cli.options.port).toBe(0);
    expect(cli.generatedWebhookSecret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(cli.options.webhookEndpoints?.[0]?.secret).toBe(cli.generatedWebhookSecret);
  });

  it('subscribes the endpoint to the --webhook-events types, and refuses them without a URL', () => {
    const cli = readCliOptions(
      ['--webhook-url', 'https://localhost:3000/webhooks/stripe', '--webhook-events', 'charge.refunded, checkout.session.completed'],
      {},
    );
    expect(cli.options.webhookEndpoints?.[0]?.enabledEvents).toEqual(['charge.refunded', 'checkout.session.completed']);
    expect(
      readCliOptions(['--webhook-url', 'https://localhost:3000/webhooks/stripe'], {}).options.webhookEndpoints?.[0],
    ).not.toHaveProperty('enabledEvents');
    expect(() => readCliOptions([], { EMULATOR_WEBHOOK_EVENTS: 'charge.refunded' })).toThrow(/EMULATOR_WEBHOOK_URL/);
  });

  it('refuses bad values with the variable to fix', () => {
    expect(() => readCliOptions([], { EMULATOR_PORT: 'abc' })).toThrow(/EMULATOR_PORT/);
    expect(() => readCliOptions([], { EMULATOR_ORIGINS: 'remote' })).toThrow(/EMULATOR_ORIGINS/);
    expect(() => readCliOptions([], { EMULATOR_WEBHOOK_SECRET: 'whsec_alone1234' })).toThrow(/EMULATOR_WEBHOOK_URL/);
    expect(() => readCliOptions(['--nope'], {})).toThrow();
  });
});
