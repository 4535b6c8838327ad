// One layout, one brand: every page the build writes takes its head, header and footer from
// client/layout.html and its names from config/brand.json, so renaming the shop is one edit.
// The build here is the real one (the real pages, Vite's nonce placeholders, the integrity
// plugin) with a renamed brand, into a temporary folder.
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BRAND, parseBrand, type Brand } from '../../common/brand';
import { PAGE_ENTRIES, PAGE_MANIFEST, entryLayout } from '../../common/pages';
import { startEmulator } from '../../emulator/src/index';
import { LAYOUT_FILE, escapeHtml, pageLayout, renderPage } from '../build/page-layout';
import { sha384, subresourceIntegrity } from '../build/subresource-integrity';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLIENT = path.join(REPO_ROOT, 'client');

/** The shop renamed, with characters that must be escaped, and nothing else changed. */
const RENAMED: Brand = parseBrand({ ...BRAND, shopName: `${BRAND.shopName} <Renamed> & "Sons"`, tagline: `${BRAND.tagline}, now renamed` });

const decode = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
const first = (html: string, pattern: RegExp) => decode(pattern.exec(html)?.[1] ?? '');

describe('the pages built with a renamed brand', () => {
  let dir: string;
  const pages = new Map<string, string>();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'page-layout-'));
    await build({
      root: CLIENT,
      logLevel: 'silent',
      configFile: false,
      html: { cspNonce: '__CSP_NONCE__' },
      plugins: [pageLayout({ brand: RENAMED }), subresourceIntegrity()],
      build: { outDir: dir, emptyOutDir: true, rolldownOptions: { input: PAGE_ENTRIES.map((entry) => path.join(CLIENT, entry)) } },
    });
    for (const entry of PAGE_ENTRIES) pages.set(entry, await readFile(path.join(dir, entry), 'utf8'));
  }, 60_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each(PAGE_MANIFEST.map((page) => [page.route, page.entry] as const))(
    '%s has the new name in its title, header and footer, and never the old one',
    (_route, entry) => {
      const html = pages.get(entry) ?? '';
      const layout = entryLayout(entry);
      expect(first(html, /<title>([^<]*)<\/title>/)).toBe(`${layout.title} · ${RENAMED.shopName}`);
      expect(first(html, /<a class="brand"[^>]*>[^]*?<span>([^<]*)<\/span>/)).toBe(RENAMED.shopName);
      expect(first(html, /<a class="brand" href="\/" aria-label="([^"]*)"/)).toBe(`${RENAMED.shopName}, home`);
      expect(first(html, /<p class="tagline">([^<]*)<\/p>/)).toBe(RENAMED.tagline);
      expect(first(html, /<footer class="site-footer">\s*<p>([^·]*) ·/)).toBe(RENAMED.shopName);
      expect(first(html, /<a class="skip-link" href="#main">([^<]*)<\/a>/)).toBe(layout.skipLink);
      expect(html).toContain(`<img src="${RENAMED.logo}"`);
      expect(html).toContain(`<link rel="icon" href="${RENAMED.favicon}"`);
      expect(html).toContain(`href="mailto:${RENAMED.supportEmail}"`);
      expect(html).toMatch(/<main id="main"/);
      // Escaped everywhere, and no copy of the old name left in a page or the layout.
      expect(html).not.toContain('<Renamed>');
      expect(html.replaceAll(escapeHtml(RENAMED.shopName), '')).not.toContain(escapeHtml(BRAND.shopName));
      expect(/<meta name="robots" content="noindex"/.test(html)).toBe(layout.robots === 'noindex');
    },
  );

  it.each([...PAGE_ENTRIES])(
    '%s keeps the nonce placeholders and integrity on each of its scripts and styles, and its module script only if the page list names one',
    async (entry) => {
      const html = pages.get(entry) ?? '';
      const tags = [...html.matchAll(/<(?:script|link)\b[^>]*(?:src|href)="(\/assets\/[^"]+)"[^>]*>/g)];
      expect(tags.length).toBeGreaterThan(0);
      for (const [tag, url] of tags) {
        expect(tag).toContain('nonce="__CSP_NONCE__"');
        expect(tag).toContain(`integrity="${sha384(await readFile(path.join(dir, url ?? '')))}"`);
      }
      const scripts = html.match(/<script type="module"/g) ?? [];
      expect(scripts.length).toBe(entryLayout(entry).script ? 1 : 0);
    },
  );
});

describe("the emulator's Checkout page with the renamed brand", () => {
  it('says whom the shopper pays, as Stripe shows the business name', async () => {
    const emulator = await startEmulator({ port: 0, businessName: RENAMED.shopName, logger: pino({ level: 'silent' }) });
    try {
      // A Checkout Session made over the emulator's API, as the server's Stripe client would.
      const form = new URLSearchParams({
        mode: 'payment',
        ui_mode: 'hosted_page',
        'line_items[0][price_data][currency]': 'usd',
        'line_items[0][price_data][unit_amount]': '100',
        'line_items[0][price_data][product_data][name]': 'Item',
        'line_items[0][quantity]': '1',
        success_url: 'https://localhost:3000/success?session_id={CHECKOUT_SESSION_ID}',
      });
      const created = await httpsText(`${emulator.url}/v1/checkout/sessions`, emulator.ca, form.toString());
      const session = JSON.parse(created) as { url?: string };
      const body = await httpsText(session.url ?? '', emulator.ca);
      expect(first(body, /<h1 data-testid="business-name">([^<]*)<\/h1>/)).toBe(`Pay ${RENAMED.shopName}`);
    } finally {
      await emulator.close();
    }
  });
});

/** GET, or POST a form with a test key, over HTTPS trusting the emulator's CA. */
function httpsText(url: string, ca: string, form?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const headers = form
      ? { authorization: 'Bearer sk_test_pageLayoutTest1234567890', 'content-type': 'application/x-www-form-urlencoded' }
      : {};
    const req = https.request(url, { ca, method: form ? 'POST' : 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end(form);
  });
}

describe('mistakes fail with a message that says what to write', () => {
  const layout = readFileSync(LAYOUT_FILE, 'utf8');
  const page = entryLayout(PAGE_ENTRIES[0] ?? '');

  it('names each wrong brand field', () => {
    expect(() => parseBrand({ ...BRAND, shopName: 'A &amp; B', logo: 'logo.svg', colour: 'red' }, 'my-brand.json')).toThrow(
      /my-brand\.json is not a valid brand:\n {2}- shopName is plain text, escaped by the build: write "&", not "&amp;"\n {2}- logo must be the path of the header logo in client\/public\/images[^\n]*\n {2}- colour: not a brand field/,
    );
    expect(() => parseBrand({ ...BRAND, supportEmail: undefined })).toThrow(
      /config\/brand\.json is not a valid brand:\n {2}- supportEmail is missing; add it/,
    );
  });

  it('refuses a page body that brings its own head, header or script', () => {
    const render = (partial: string) => renderPage({ layout, partial, page, brand: BRAND });
    expect(() => render('<div>no main</div>')).toThrow(/must start with <main id="main"> and end with <\/main>/);
    expect(() => render('<main id="main"><header>x</header></main>')).toThrow(/remove its <header>/);
    expect(() => render('<main id="main"><script type="module" src="./x.ts"></script></main>')).toThrow(
      /page list \(common\/pages\.ts\) names its script: remove its <script>/,
    );
  });

  it('refuses an HTML file the page list does not name', () => {
    expect(() => entryLayout('stray.html')).toThrow(
      /client\/stray\.html is not in the page list: add an entry for it to PAGE_MANIFEST in common\/pages\.ts/,
    );
  });
});
