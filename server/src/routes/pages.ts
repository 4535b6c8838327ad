// The Vite-built pages and their assets.
//
// Each HTML file is read once at startup. Per response we put a fresh 128-bit nonce
// where Vite left its `__CSP_NONCE__` placeholder (html.cspNonce) and send the matching
// CSP, so only the scripts and styles we shipped run. HTML is never cached (a cached
// nonce is a reusable nonce); hashed assets are cached for a year.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { RequestHandler, Router } from 'express';
import type { Page, StripeOrigins } from '../security/csp';
import { PAGE_INTEGRATIONS, buildCspHeader, buildReportingEndpointsHeader } from '../security/csp';
import { buildPagePermissionsPolicy } from '../security/headers';

export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

export const PAGE_FILES: Record<Page, { route: string; file: string }> = {
  index: { route: '/', file: 'index.html' },
  success: { route: '/success', file: 'success.html' },
  cancel: { route: '/cancel', file: 'cancel.html' },
  'embedded-checkout': { route: '/embedded-checkout', file: 'embedded-checkout.html' },
  return: { route: '/return', file: 'return.html' },
  payment: { route: '/payment', file: 'payment.html' },
  'payment-complete': { route: '/payment-complete', file: 'payment-complete.html' },
};

export const PAGES: readonly Page[] = ['index', 'success', 'cancel', 'embedded-checkout', 'return', 'payment', 'payment-complete'];

/** Every page's route, for the audit and the monitor to cover them all. */
export const PAGE_ROUTES: readonly string[] = PAGES.map((page) => PAGE_FILES[page].route);

export type PageTemplates = Record<Page, string>;

/** Reads the built pages; a missing build is a startup error that says what to run. */
export function loadPageTemplates(clientDir: string): PageTemplates {
  const missing = PAGES.map((page) => path.join(clientDir, PAGE_FILES[page].file))
    .filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(`The client build is missing (${missing.join(', ')}). Run \`npm run build\` first, or set CLIENT_DIST_DIR to the folder Vite built.`);
  }
  const read = (page: Page) => readFileSync(path.join(clientDir, PAGE_FILES[page].file), 'utf8');
  return {
    index: read('index'),
    success: read('success'),
    cancel: read('cancel'),
    'embedded-checkout': read('embedded-checkout'),
    return: read('return'),
    payment: read('payment'),
    'payment-complete': read('payment-complete'),
  };
}

export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface PagesOptions {
  clientDir: string;
  templates: PageTemplates;
  stripeOrigins: StripeOrigins;
  publicUrl: string;
}

function servePage(page: Page, options: PagesOptions): RequestHandler {
  const template = options.templates[page];
  const integration = PAGE_INTEGRATIONS[page];
  const reportingEndpoints = buildReportingEndpointsHeader(options.publicUrl);
  // Replaces the deny-all policy every response gets: the Stripe.js pages let wallets run.
  const permissionsPolicy = buildPagePermissionsPolicy(integration, options.stripeOrigins);
  return (_req, res) => {
    const nonce = createNonce();
    res.set({
      'Content-Security-Policy': buildCspHeader({ integration, nonce, origins: options.stripeOrigins }),
      'Permissions-Policy': permissionsPolicy,
      'Reporting-Endpoints': reportingEndpoints,
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.send(template.replaceAll(NONCE_PLACEHOLDER, nonce));
  };
}

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

export function createPagesRouter(options: PagesOptions): Router {
  const router = express.Router();
  for (const page of PAGES) router.get(PAGE_FILES[page].route, servePage(page, options));
  // HTML only through the handlers above (with a nonce and a CSP), never as a raw file.
  router.use((req, _res, next) => (/\.html?$/i.test(req.path) ? next('router') : next()));
  router.use(
    express.static(options.clientDir, {
      index: false,
      redirect: false,
      dotfiles: 'ignore',
      setHeaders(res, file) {
        // Vite puts a content hash in every file name under assets/.
        const hashed = file.startsWith(path.join(options.clientDir, 'assets') + path.sep);
        res.setHeader('Cache-Control', hashed ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'public, max-age=3600');
      },
    }),
  );
  return router;
}
