// The Vite-built pages and their assets.
//
// Each HTML file is read once at startup. Per response we put a fresh 128-bit nonce
// where Vite left its `__CSP_NONCE__` placeholder (html.cspNonce) and send the matching
// CSP, so only the scripts and styles we shipped run. HTML is never cached (a cached
// nonce is a reusable nonce), and never sent any other way: the static files served
// beside the pages are the build's non-HTML files only (built-assets.ts).
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express from 'express';
import type { RequestHandler, Router } from 'express';
import { PAGE_MANIFEST, PAGE_ROUTES, type Page } from '../../../common/pages';
import type { StripeOrigins } from '../security/csp';
import { PAGE_INTEGRATIONS, buildCspHeader, buildReportingEndpointsHeader } from '../security/csp';
import { buildPagePermissionsPolicy } from '../security/headers';
import { builtAssetsMiddleware } from './built-assets';

export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

export interface PageFile {
  page: Page;
  /** Where the page is served, with its nonce and CSP. */
  route: string;
  /** The file Vite builds for it: read once as a template, never served as it is. */
  file: string;
}

/** Every page with its route and built file, from the one page list (common/pages.ts). */
export const PAGE_FILES: readonly PageFile[] = PAGE_MANIFEST.map(({ page, route, entry }) => ({ page, route, file: entry }));

/** Every page's route, for the audit and the monitor to cover them all. */
export { PAGE_ROUTES };

export type PageTemplates = Record<Page, string>;

/** Reads the built pages; a missing build is a startup error that says what to run. */
export function loadPageTemplates(clientDir: string): PageTemplates {
  const missing = PAGE_FILES.map((entry) => path.join(clientDir, entry.file)).filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new Error(
      `The client build is missing (${missing.join(', ')}). Run \`npm run build\` first, or set CLIENT_DIST_DIR to the folder Vite built.`,
    );
  }
  return Object.fromEntries(
    PAGE_FILES.map((entry) => [entry.page, readFileSync(path.join(clientDir, entry.file), 'utf8')]),
  ) as PageTemplates;
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

export function createPagesRouter(options: PagesOptions): Router {
  const router = express.Router();
  for (const { page, route } of PAGE_FILES) router.get(route, servePage(page, options));
  // Everything else from the build, which holds no HTML: a template only ever goes out
  // through the handlers above, with its nonce and CSP (built-assets.ts says why).
  router.use(builtAssetsMiddleware(options.clientDir));
  return router;
}
