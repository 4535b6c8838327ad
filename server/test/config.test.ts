import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_PLATFORM_FEE_BPS, loadConfig, resolvePublicUrl } from '../src/config';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const TEST_KEYS = {
  STRIPE_SECRET_KEY: 'sk_test_51abcDEF',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_51abcDEF',
  STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh12345678',
};
const LIVE_KEYS = {
  STRIPE_SECRET_KEY: 'sk_live_51abcDEF',
  STRIPE_PUBLISHABLE_KEY: 'pk_live_51abcDEF',
  STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh12345678',
};
const LIVE_READY = {
  ...LIVE_KEYS,
  TLS_CERT_FILE: '/etc/tls/shop.pem',
  TLS_KEY_FILE: '/etc/tls/shop-key.pem',
  PUBLIC_URL: 'https://shop.example.com',
};

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs in emulated mode with defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      mode: 'emulated',
      tlsMode: 'app',
      port: 4242,
      httpPort: 4243,
      publicUrl: null,
      tls: null,
      database: { engine: 'sqlite', file: path.resolve('data/app.sqlite') },
      rateLimitStore: 'memory',
      clientDistDir: path.resolve('dist/client'),
      catalog: { file: path.join(REPO_ROOT, 'config', 'catalog.json'), publicDir: path.join(REPO_ROOT, 'client', 'public') },
      logLevel: 'info',
      securityHeaders: 'development',
      hstsPreload: false,
      stripe: { secretKey: 'sk_test_emulated', publishableKey: 'pk_test_emulated', webhookSecrets: null, apiUrl: null },
      emulator: { port: 12111, origins: 'local', webhookSecret: null },
    });
    expect(resolvePublicUrl(config, 4242)).toBe('https://localhost:4242');
  });

  it('reads CATALOG_FILE relative to the repository, not the working directory (scripts start the app elsewhere)', () => {
    const cwd = process.cwd();
    try {
      process.chdir(path.parse(cwd).root);
      expect(loadConfig({}).catalog.file).toBe(path.join(REPO_ROOT, 'config', 'catalog.json'));
      expect(loadConfig({ CATALOG_FILE: 'config/shop-eur.json' }).catalog.file).toBe(path.join(REPO_ROOT, 'config', 'shop-eur.json'));
      expect(loadConfig({ CATALOG_FILE: '/srv/shop/catalog.json' }).catalog.file).toBe('/srv/shop/catalog.json');
      expect(loadConfig({ CATALOG_FILE: '' }).catalog.file).toBe(path.join(REPO_ROOT, 'config', 'catalog.json'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('treats empty values as unset (a copied .env.example works)', () => {
    expect(loadConfig({ STRIPE_SECRET_KEY: '', PORT: '', PUBLIC_URL: '' }).mode).toBe('emulated');
  });

  it('selects test mode from an sk_test_ key', () => {
    const config = loadConfig(TEST_KEYS);
    expect(config.mode).toBe('test');
    expect(config.stripe.webhookSecrets).toEqual([TEST_KEYS.STRIPE_WEBHOOK_SECRET]);
    expect(config.emulator).toBeNull();
  });

  it('selects live mode from an sk_live_ key with certificates and an https PUBLIC_URL', () => {
    const config = loadConfig(LIVE_READY);
    expect(config.mode).toBe('live');
    expect(config.publicUrl).toBe('https://shop.example.com');
    // Live mode checks the certificate against PUBLIC_URL's host when it loads (security/tls.ts).
    expect(config.tls).toEqual({
      certFile: '/etc/tls/shop.pem',
      keyFile: '/etc/tls/shop-key.pem',
      requirements: { host: 'shop.example.com' },
    });
    expect(config.securityHeaders).toBe('production');
  });

  it('puts no requirement on certificate files outside live mode', () => {
    expect(loadConfig({ ...TEST_KEYS, TLS_CERT_FILE: '/a.pem', TLS_KEY_FILE: '/b.pem' }).tls).toEqual({
      certFile: '/a.pem',
      keyFile: '/b.pem',
      requirements: null,
    });
  });

  it('reads the emulator options and a fixed emulator webhook secret', () => {
    const config = loadConfig({ EMULATOR_PORT: '0', EMULATOR_ORIGINS: 'stripe', EMULATOR_WEBHOOK_SECRET: 'whsec_fixedsecret' });
    expect(config.emulator).toEqual({ port: 0, origins: 'stripe', webhookSecret: 'whsec_fixedsecret' });
  });

  it('accepts STRIPE_API_URL with test keys', () => {
    expect(loadConfig({ ...TEST_KEYS, STRIPE_API_URL: 'https://localhost:12111' }).stripe.apiUrl?.port).toBe('12111');
  });

  it('reads CHECKOUT_RATE_LIMIT (default 10 per minute) and refuses nonsense', () => {
    expect(loadConfig({}).checkoutRateLimit).toBe(10);
    expect(loadConfig({ CHECKOUT_RATE_LIMIT: '200' }).checkoutRateLimit).toBe(200);
    for (const value of ['0', '-1', '1.5', 'lots']) {
      expect(() => loadConfig({ CHECKOUT_RATE_LIMIT: value }), value).toThrow(/CHECKOUT_RATE_LIMIT must be/);
    }
  });

  it('reads PLATFORM_FEE_BPS (default DEFAULT_PLATFORM_FEE_BPS) and refuses nonsense', () => {
    expect(loadConfig({}).platformFeeBps).toBe(DEFAULT_PLATFORM_FEE_BPS);
    expect(loadConfig({ PLATFORM_FEE_BPS: '0' }).platformFeeBps).toBe(0);
    expect(loadConfig({ PLATFORM_FEE_BPS: '250' }).platformFeeBps).toBe(250);
    for (const value of ['-1', '10001', '2.5', 'ten percent']) {
      expect(() => loadConfig({ PLATFORM_FEE_BPS: value }), value).toThrow(/PLATFORM_FEE_BPS must be/);
    }
  });

  it('reads DATABASE_URL, LOG_LEVEL, HSTS_PRELOAD and TRUST_PROXY', () => {
    const config = loadConfig({
      DATABASE_URL: 'file:/tmp/x/shop.sqlite',
      LOG_LEVEL: 'warn',
      HSTS_PRELOAD: 'true',
      SECURITY_HEADERS: 'production',
      TRUST_PROXY: '1',
    });
    expect(config).toMatchObject({
      database: { engine: 'sqlite', file: '/tmp/x/shop.sqlite' },
      logLevel: 'warn',
      hstsPreload: true,
      trustProxyHops: 1,
    });
  });

  it('selects PostgreSQL with a postgres:// DATABASE_URL, with rate-limit counters shared in it unless told otherwise', () => {
    for (const url of ['postgres://app:pw@db.internal:5432/shop', 'postgresql://app@127.0.0.1/shop?sslmode=require']) {
      expect(loadConfig({ DATABASE_URL: url })).toMatchObject({ database: { engine: 'postgres', url }, rateLimitStore: 'database' });
    }
    expect(loadConfig({ DATABASE_URL: 'postgres://app@db/shop', RATE_LIMIT_STORE: 'memory' }).rateLimitStore).toBe('memory');
    expect(loadConfig({ RATE_LIMIT_STORE: 'database' })).toMatchObject({ database: { engine: 'sqlite' }, rateLimitStore: 'database' });
  });

  it('requires TLS to a remote PostgreSQL in live mode, not on loopback', () => {
    expect(() => loadConfig({ ...LIVE_READY, DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop' })).toThrow(
      /without TLS in live mode: add \?sslmode=verify-full/,
    );
    expect(
      loadConfig({ ...LIVE_READY, DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop?sslmode=verify-full' }).database,
    ).toMatchObject({ engine: 'postgres' });
    expect(loadConfig({ ...LIVE_READY, DATABASE_URL: 'postgres://shop:pw@127.0.0.1:5432/shop' }).database).toMatchObject({
      engine: 'postgres',
    });
    expect(loadConfig({ ...TEST_KEYS, DATABASE_URL: 'postgres://shop:pw@db.internal:5432/shop' }).database).toMatchObject({
      engine: 'postgres',
    });
  });

  it.each([
    'https://localhost:8443',
    'https://LOCALHOST.',
    'https://shop.localhost',
    'https://127.0.0.1',
    'https://127.1:4242',
    'https://127.255.0.9',
    'https://[::1]:4242',
    'https://[0:0::1]',
  ])('runs emulated mode on the loopback PUBLIC_URL %s', (publicUrl) => {
    expect(loadConfig({ PUBLIC_URL: publicUrl }).mode).toBe('emulated');
  });

  it.each([
    'https://shop.example.com',
    'https://localhost.example.com',
    'https://127.0.0.1.nip.io',
    'https://10.0.0.5',
    'https://0.0.0.0',
    'https://[::ffff:127.0.0.1]',
    'https://[2001:db8::1]',
  ])('refuses emulated mode (fake payments) on the PUBLIC_URL %s, which is not loopback', (publicUrl) => {
    const problems = problemsOf({ PUBLIC_URL: publicUrl });
    expect(problems.join('\n')).toMatch(
      /Emulated mode \(no STRIPE_SECRET_KEY\) takes fake payments, so it only runs on a loopback PUBLIC_URL.*Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.*or unset PUBLIC_URL/,
    );
  });

  it('refuses emulated mode with NODE_ENV=production, and says what to set', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(
        /Emulated mode \(no STRIPE_SECRET_KEY\) takes fake payments, so it does not start with NODE_ENV=production\. Set STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.*or unset NODE_ENV/,
      ),
    ]);
    expect(loadConfig({ ...TEST_KEYS, NODE_ENV: 'production' }).mode).toBe('test');
    expect(loadConfig({ NODE_ENV: 'development' }).mode).toBe('emulated');
  });

  describe('LAB_MODE (the workshop lab)', () => {
    it('is off unless set, and on in emulated mode on loopback outside production', () => {
      expect(loadConfig({}).lab).toBe(false);
      expect(loadConfig({ LAB_MODE: 'false' }).lab).toBe(false);
      expect(loadConfig({ ...TEST_KEYS }).lab).toBe(false);
      expect(loadConfig({ LAB_MODE: 'true' })).toMatchObject({ lab: true, mode: 'emulated' });
      expect(loadConfig({ LAB_MODE: 'true', PUBLIC_URL: 'https://lab.localhost:4242' }).lab).toBe(true);
    });

    it.each([
      ['test keys', TEST_KEYS],
      ['live keys', LIVE_READY],
    ])('refuses lab mode with %s, and says to unset them', (_name, keys) => {
      expect(problemsOf({ ...keys, LAB_MODE: 'true' })).toContainEqual(
        expect.stringMatching(
          /^LAB_MODE=true lets the lab panel switch security controls off, so it never runs with Stripe keys: unset STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET .*or unset LAB_MODE\.$/,
        ),
      );
    });

    it('refuses lab mode with NODE_ENV=production, and says what to unset', () => {
      expect(problemsOf({ LAB_MODE: 'true', NODE_ENV: 'production' })).toContainEqual(
        'LAB_MODE=true lets the lab panel switch security controls off, so it never runs with NODE_ENV=production: unset NODE_ENV, or unset LAB_MODE.',
      );
    });

    it('refuses lab mode on a PUBLIC_URL that is not loopback, and says what to unset', () => {
      expect(problemsOf({ LAB_MODE: 'true', PUBLIC_URL: 'https://shop.example.com' })).toContainEqual(
        expect.stringMatching(
          /^LAB_MODE=true lets the lab panel switch security controls off, so it only runs on a loopback PUBLIC_URL .*not on https:\/\/shop\.example\.com: unset PUBLIC_URL, or unset LAB_MODE\.$/,
        ),
      );
    });

    it('refuses a LAB_MODE that is not true or false', () => {
      expect(problemsOf({ LAB_MODE: 'yes' })).toEqual(['LAB_MODE must be true (the workshop lab, `npm run lab`) or false']);
    });
  });

  describe('security header profile', () => {
    it.each([
      ['nothing set (https://localhost:<PORT>)', {}, 'development'],
      ['a loopback PUBLIC_URL', { PUBLIC_URL: 'https://127.0.0.1:8443' }, 'development'],
      ['test mode on localhost', TEST_KEYS, 'development'],
      ['NODE_ENV=production, on localhost too', { ...TEST_KEYS, NODE_ENV: 'production' }, 'production'],
      ['a PUBLIC_URL that is not loopback', { ...TEST_KEYS, PUBLIC_URL: 'https://staging.example.com' }, 'production'],
      ['live mode', LIVE_READY, 'production'],
      ['SECURITY_HEADERS=production in emulated mode (what the audit grades)', { SECURITY_HEADERS: 'production' }, 'production'],
    ] as const)('is derived from %s', (_name, env: Record<string, string>, profile) => {
      expect(loadConfig(env).securityHeaders).toBe(profile);
    });

    it.each([
      ['NODE_ENV=production', { ...TEST_KEYS, NODE_ENV: 'production' }, /not with NODE_ENV=production/],
      [
        'a PUBLIC_URL that is not loopback',
        { ...TEST_KEYS, PUBLIC_URL: 'https://staging.example.com' },
        /not with PUBLIC_URL https:\/\/staging\.example\.com, which is not loopback/,
      ],
      ['live mode', LIVE_READY, /not with live mode/],
    ])('refuses SECURITY_HEADERS=development with %s (it sends no lasting HSTS)', (_name, env, reason) => {
      const problems = problemsOf({ ...env, SECURITY_HEADERS: 'development' });
      expect(problems).toEqual([expect.stringMatching(/^SECURITY_HEADERS=development sends no lasting HSTS/)]);
      expect(problems[0]).toMatch(reason);
      expect(problems[0]).toMatch(/unset SECURITY_HEADERS \(or set it to production\)/);
    });

    it('refuses HSTS_PRELOAD with the development headers, accepts it with production', () => {
      expect(problemsOf({ HSTS_PRELOAD: 'true' })).toEqual([
        expect.stringMatching(/HSTS_PRELOAD=true needs the production headers.*set SECURITY_HEADERS=production/),
      ]);
      expect(loadConfig({ HSTS_PRELOAD: 'true', SECURITY_HEADERS: 'production' })).toMatchObject({
        securityHeaders: 'production',
        hstsPreload: true,
      });
      expect(loadConfig({ ...TEST_KEYS, HSTS_PRELOAD: 'true', NODE_ENV: 'production' })).toMatchObject({
        securityHeaders: 'production',
        hstsPreload: true,
      });
    });
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['a malformed secret key', { ...TEST_KEYS, STRIPE_SECRET_KEY: 'sk_foo_123' }, /STRIPE_SECRET_KEY is malformed.*sk_test_/],
    ['a publishable key in place of the secret key', { ...TEST_KEYS, STRIPE_SECRET_KEY: 'pk_test_123' }, /STRIPE_SECRET_KEY is malformed/],
    ['a malformed publishable key', { ...TEST_KEYS, STRIPE_PUBLISHABLE_KEY: 'pk_123' }, /STRIPE_PUBLISHABLE_KEY is malformed/],
    [
      'a test secret key with a live publishable key',
      { ...TEST_KEYS, STRIPE_PUBLISHABLE_KEY: 'pk_live_123' },
      /live-mode key but STRIPE_SECRET_KEY is a test-mode key: use the pk_test_/,
    ],
    [
      'a live secret key with a test publishable key',
      { ...LIVE_READY, STRIPE_PUBLISHABLE_KEY: 'pk_test_123' },
      /test-mode key but STRIPE_SECRET_KEY is a live-mode key/,
    ],
    [
      'a missing publishable key',
      { STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh12345678' },
      /STRIPE_PUBLISHABLE_KEY is missing: set the pk_test_/,
    ],
    [
      'a missing webhook secret in test mode',
      { STRIPE_SECRET_KEY: 'sk_test_1', STRIPE_PUBLISHABLE_KEY: 'pk_test_1' },
      /STRIPE_WEBHOOK_SECRET is missing.*stripe listen/,
    ],
    ['a missing webhook secret in live mode', { ...LIVE_READY, STRIPE_WEBHOOK_SECRET: '' }, /STRIPE_WEBHOOK_SECRET is missing/],
    [
      'a webhook secret without whsec_',
      { ...TEST_KEYS, STRIPE_WEBHOOK_SECRET: 'we_123456789' },
      /STRIPE_WEBHOOK_SECRET must start with whsec_/,
    ],
    [
      'a live key without certificate files',
      { ...LIVE_KEYS, PUBLIC_URL: 'https://shop.example.com' },
      /Live mode needs a real certificate: set TLS_CERT_FILE and TLS_KEY_FILE/,
    ],
    [
      'a live key without PUBLIC_URL',
      { ...LIVE_KEYS, TLS_CERT_FILE: '/a.pem', TLS_KEY_FILE: '/b.pem' },
      /PUBLIC_URL is required in live mode/,
    ],
    ['an http:// PUBLIC_URL', { ...LIVE_READY, PUBLIC_URL: 'http://shop.example.com' }, /PUBLIC_URL must be an https:\/\/ URL/],
    [
      'a PUBLIC_URL with a path',
      { PUBLIC_URL: 'https://shop.example.com/store' },
      /PUBLIC_URL must be an origin only.*https:\/\/shop\.example\.com/,
    ],
    ['only one of the TLS files', { TLS_CERT_FILE: '/a.pem' }, /Set both TLS_CERT_FILE and TLS_KEY_FILE/],
    [
      'STRIPE_API_URL with a live key',
      { ...LIVE_READY, STRIPE_API_URL: 'https://localhost:12111' },
      /STRIPE_API_URL may only be used with test keys/,
    ],
    ['an http STRIPE_API_URL', { ...TEST_KEYS, STRIPE_API_URL: 'http://localhost:12111' }, /STRIPE_API_URL must be an https:\/\/ URL/],
    [
      'a publishable key without a secret key',
      { STRIPE_PUBLISHABLE_KEY: 'pk_test_1' },
      /STRIPE_PUBLISHABLE_KEY is set but STRIPE_SECRET_KEY is not/,
    ],
    [
      'a webhook secret without a secret key',
      { STRIPE_WEBHOOK_SECRET: 'whsec_abcdefgh12345678' },
      /STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not/,
    ],
    ['emulator settings outside emulated mode', { ...TEST_KEYS, EMULATOR_PORT: '12111' }, /EMULATOR_PORT only applies in emulated mode/],
    ['a malformed emulator webhook secret', { EMULATOR_WEBHOOK_SECRET: 'secret' }, /EMULATOR_WEBHOOK_SECRET must start with whsec_/],
    ['a non-numeric port', { PORT: 'https' }, /PORT must be a number between 0 and 65535/],
    ['a port out of range', { HTTP_PORT: '70000' }, /HTTP_PORT must be between 0 and 65535/],
    ['the same HTTPS and HTTP port', { PORT: '8443', HTTP_PORT: '8443' }, /PORT and HTTP_PORT are both 8443/],
    [
      'a DATABASE_URL that is neither file: nor postgres:',
      { DATABASE_URL: 'mysql://db/shop' },
      /DATABASE_URL must be file:<path to a SQLite file>.*or postgres:\/\/user:password@host/,
    ],
    ['an empty file: DATABASE_URL', { DATABASE_URL: 'file:' }, /DATABASE_URL must be file:<path/],
    ['a PostgreSQL URL without a host', { DATABASE_URL: 'postgres://' }, /DATABASE_URL is not a valid PostgreSQL URL/],
    ['an unknown RATE_LIMIT_STORE', { RATE_LIMIT_STORE: 'redis' }, /RATE_LIMIT_STORE must be memory \(one instance\) or database/],
    ['an unknown log level', { LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of/],
    ['an unknown EMULATOR_ORIGINS', { EMULATOR_ORIGINS: 'remote' }, /EMULATOR_ORIGINS must be local or stripe/],
    ['an unknown SECURITY_HEADERS', { SECURITY_HEADERS: 'strict' }, /SECURITY_HEADERS must be production \(two-year HSTS\) or development/],
  ];

  it.each(cases)('refuses %s with a message that says how to fix it', (_name, env, message) => {
    const problems = problemsOf(env);
    expect(
      problems.some((problem) => message.test(problem)),
      problems.join('\n'),
    ).toBe(true);
  });

  it('lists every problem at once and points at .env.example', () => {
    const error = (() => {
      try {
        loadConfig({ STRIPE_SECRET_KEY: 'sk_live_1', PORT: '1', HTTP_PORT: '1' });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('.env.example');
    for (const part of [
      'STRIPE_PUBLISHABLE_KEY is missing',
      'STRIPE_WEBHOOK_SECRET is missing',
      'Live mode needs a real certificate',
      'PUBLIC_URL is required',
      'PORT and HTTP_PORT',
    ]) {
      expect(message).toContain(part);
    }
  });
});

describe('STRIPE_WEBHOOK_IPS', () => {
  it('is off unless set', () => {
    expect(loadConfig(TEST_KEYS).webhookSources).toBeNull();
    expect(loadConfig({ ...TEST_KEYS, STRIPE_WEBHOOK_IPS: 'off' }).webhookSources).toBeNull();
  });

  it('takes stripe, addresses and CIDR ranges, IPv4 and IPv6', () => {
    expect(loadConfig({ ...TEST_KEYS, STRIPE_WEBHOOK_IPS: 'stripe' }).webhookSources).toEqual({ stripe: true, extra: [] });
    expect(loadConfig({ ...LIVE_READY, STRIPE_WEBHOOK_IPS: 'stripe, 203.0.113.0/24,2001:db8::/32, 198.51.100.7' }).webhookSources).toEqual({
      stripe: true,
      extra: ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7'],
    });
    expect(loadConfig({ ...TEST_KEYS, STRIPE_WEBHOOK_IPS: '10.0.0.0/8' }).webhookSources).toEqual({ stripe: false, extra: ['10.0.0.0/8'] });
  });

  it.each(['on', 'stripe,203.0.113.0/33', 'stripe,example.com', ',', '10.0.0.0/8/1'])('refuses %s with the accepted forms', (value) => {
    expect(problemsOf({ ...TEST_KEYS, STRIPE_WEBHOOK_IPS: value })).toEqual([
      expect.stringMatching(/^STRIPE_WEBHOOK_IPS must be off, stripe .*not understood/),
    ]);
  });

  it('is refused in emulated mode, where the emulator delivers from this machine', () => {
    expect(problemsOf({ STRIPE_WEBHOOK_IPS: 'stripe' })).toEqual([
      expect.stringContaining('STRIPE_WEBHOOK_IPS only applies with real Stripe webhooks'),
    ]);
    expect(loadConfig({ STRIPE_WEBHOOK_IPS: 'off' }).webhookSources).toBeNull();
  });
});

describe('restricted keys', () => {
  it.each([
    ['rk_test_', 'test', TEST_KEYS],
    ['rk_live_', 'live', LIVE_READY],
  ] as const)('accepts a %s key as the server key, in %s mode', (prefix, mode, keys) => {
    const key = `${prefix}51abcDEF`;
    const config = loadConfig({ ...keys, STRIPE_SECRET_KEY: key });
    expect(config.mode).toBe(mode);
    expect(config.stripe.secretKey).toBe(key);
  });

  it.each([
    [
      'an rk_test_ key with a live publishable key',
      { ...TEST_KEYS, STRIPE_SECRET_KEY: 'rk_test_1', STRIPE_PUBLISHABLE_KEY: 'pk_live_1' },
      'live',
      'test',
    ],
    [
      'an rk_live_ key with a test publishable key',
      { ...LIVE_READY, STRIPE_SECRET_KEY: 'rk_live_1', STRIPE_PUBLISHABLE_KEY: 'pk_test_1' },
      'test',
      'live',
    ],
  ])('refuses %s, as for sk_ keys', (_name, env, publishable, secret) => {
    expect(problemsOf(env)).toEqual([
      `STRIPE_PUBLISHABLE_KEY is a ${publishable}-mode key but STRIPE_SECRET_KEY is a ${secret}-mode key: use the pk_${secret}_… key from the same Dashboard page.`,
    ]);
  });

  it.each(['rk_foo_1', 'rk_test_', 'rk_test_a-b', 'xk_test_1', 'rk_1'])(
    'refuses the malformed key %s, naming both accepted forms',
    (key) => {
      expect(problemsOf({ ...TEST_KEYS, STRIPE_SECRET_KEY: key })).toContainEqual(
        expect.stringMatching(
          /^STRIPE_SECRET_KEY is malformed: it must be a secret key \(sk_test_… or sk_live_…\) or a restricted key \(rk_test_… or rk_live_…\)/,
        ),
      );
    },
  );
});

describe('STRIPE_WEBHOOK_SECRET as a list (rolling the secret)', () => {
  const OLD = 'whsec_oldSecretABCDEFGH';
  const NEW = 'whsec_newSecretIJKLMNOP';

  it.each([
    ['one secret', OLD, [OLD]],
    ['two, comma-separated', `${OLD},${NEW}`, [OLD, NEW]],
    ['two with spaces around the comma', ` ${OLD} , ${NEW} `, [OLD, NEW]],
  ])('accepts %s', (_name, value, secrets) => {
    expect(loadConfig({ ...TEST_KEYS, STRIPE_WEBHOOK_SECRET: value }).stripe.webhookSecrets).toEqual(secrets);
  });

  it.each([
    ['an empty item between commas', `${OLD},,${NEW}`],
    ['a trailing comma', `${OLD},`],
    ['a leading comma', `,${OLD}`],
    ['only a comma', ','],
  ])('refuses %s', (_name, value) => {
    expect(problemsOf({ ...TEST_KEYS, STRIPE_WEBHOOK_SECRET: value })).toEqual([
      'STRIPE_WEBHOOK_SECRET has an empty item: give one whsec_… secret, or two separated by a comma while rolling the secret (no leading, trailing or double commas).',
    ]);
  });

  it.each([
    ['the second item', `${OLD},we_123456789`, 'STRIPE_WEBHOOK_SECRET item 2 must start with whsec_'],
    ['both items', 'we_1,whsec_short', 'STRIPE_WEBHOOK_SECRET item 1, 2 must start with whsec_'],
    ['the only item', 'we_123456789', 'STRIPE_WEBHOOK_SECRET must start with whsec_'],
  ])('refuses a malformed secret (%s), naming it', (_name, value, message) => {
    expect(problemsOf({ ...TEST_KEYS, STRIPE_WEBHOOK_SECRET: value })).toEqual([
      `${message} (copy the signing secret, not the endpoint id).`,
    ]);
  });
});

describe('TLS_MODE', () => {
  const PROXY_READY = { ...LIVE_KEYS, TLS_MODE: 'proxy', TRUST_PROXY: '1', PUBLIC_URL: 'https://shop.example.com' };

  it('is app by default: HTTPS here and the HTTP redirect server', () => {
    expect(loadConfig({})).toMatchObject({ tlsMode: 'app', httpPort: 4243 });
    expect(loadConfig({ TLS_MODE: 'app' })).toMatchObject({ tlsMode: 'app', httpPort: 4243 });
  });

  it('proxy: live mode without certificate files, no redirect server, production headers', () => {
    const config = loadConfig({ ...PROXY_READY, PORT: '8080' });
    expect(config).toMatchObject({
      mode: 'live',
      tlsMode: 'proxy',
      port: 8080,
      httpPort: null,
      tls: null,
      publicUrl: 'https://shop.example.com',
      trustProxyHops: 1,
      securityHeaders: 'production',
    });
  });

  it('proxy: works with test keys and in emulated mode on a loopback PUBLIC_URL', () => {
    expect(loadConfig({ ...PROXY_READY, ...TEST_KEYS }).tlsMode).toBe('proxy');
    expect(loadConfig({ TLS_MODE: 'proxy', TRUST_PROXY: '1', PUBLIC_URL: 'https://localhost:8443' })).toMatchObject({
      mode: 'emulated',
      tlsMode: 'proxy',
      httpPort: null,
    });
  });

  it.each([
    [
      'without TRUST_PROXY',
      { ...PROXY_READY, TRUST_PROXY: undefined },
      'TLS_MODE=proxy needs TRUST_PROXY set to the number of proxies in front of the app (1 for one load balancer): the app believes X-Forwarded-Proto and X-Forwarded-For only from them.',
    ],
    [
      'with TRUST_PROXY=0',
      { ...PROXY_READY, TRUST_PROXY: '0' },
      'TLS_MODE=proxy needs TRUST_PROXY set to the number of proxies in front of the app (1 for one load balancer): the app believes X-Forwarded-Proto and X-Forwarded-For only from them.',
    ],
    [
      'without PUBLIC_URL (test keys)',
      { ...PROXY_READY, ...TEST_KEYS, PUBLIC_URL: undefined },
      'TLS_MODE=proxy needs PUBLIC_URL, the https:// address customers use (e.g. https://shop.example.com): plain-HTTP requests are redirected there.',
    ],
    [
      'with an http:// PUBLIC_URL',
      { ...PROXY_READY, PUBLIC_URL: 'http://shop.example.com' },
      'PUBLIC_URL must be an https:// URL such as https://shop.example.com (the shop is served over HTTPS only).',
    ],
    [
      'with TLS_CERT_FILE and TLS_KEY_FILE (the proxy serves the certificate)',
      { ...PROXY_READY, TLS_CERT_FILE: '/a.pem', TLS_KEY_FILE: '/b.pem' },
      'TLS_CERT_FILE only applies with TLS_MODE=app; with TLS_MODE=proxy the proxy serves the certificate. Unset TLS_CERT_FILE, or set TLS_MODE=app.',
    ],
    [
      'with HTTP_PORT (no redirect server)',
      { ...PROXY_READY, HTTP_PORT: '8081' },
      'HTTP_PORT only applies with TLS_MODE=app; with TLS_MODE=proxy there is no redirect server (the proxy redirects http://). Unset HTTP_PORT, or set TLS_MODE=app.',
    ],
    [
      'an unknown TLS_MODE',
      { TLS_MODE: 'edge' },
      'TLS_MODE must be app (this server terminates TLS with its own certificate) or proxy (a TLS-terminating proxy or load balancer in front)',
    ],
  ])('proxy: refuses to start %s, saying how to fix it', (_name, env, message) => {
    expect(problemsOf(env)).toContain(message);
  });

  it('proxy: refuses each certificate variable, so a certificate is never silently unused', () => {
    expect(problemsOf({ ...PROXY_READY, TLS_KEY_FILE: '/b.pem' })).toEqual([
      'TLS_KEY_FILE only applies with TLS_MODE=app; with TLS_MODE=proxy the proxy serves the certificate. Unset TLS_KEY_FILE, or set TLS_MODE=app.',
    ]);
  });

  it('app: live mode without certificates names proxy mode as the other way', () => {
    expect(problemsOf({ ...LIVE_KEYS, PUBLIC_URL: 'https://shop.example.com' })).toEqual([
      expect.stringMatching(
        /^Live mode needs a real certificate: .*or set TLS_MODE=proxy when a proxy or load balancer in front terminates TLS/,
      ),
    ]);
  });
});
