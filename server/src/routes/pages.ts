// The Vite-built pages and their assets.
//
// Each HTML file is read once at startup and cut where Vite left its `__CSP_NONCE__`
// placeholder (html.cspNonce); its headers are built then too (security/headers.ts). Per
// response we put a fresh 128-bit nonce in the cuts and in the matching CSP, so only the
// scripts and styles we shipped run. HTML is never cached (a cached nonce is a reusable
// nonce), and never sent any other way: the static files served beside the pages are the
// build's non-HTML files only (built-assets.ts). Both answer in front of the Express router
// (request-listener.ts), which has nothing of its own to do for them.
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { LAB_BANNER_ID } from '../../../common/lab';
import { PAGE_MANIFEST, PAGE_ROUTES, type Page, type PageAccess, type PageEntry } from '../../../common/pages';
import { createRandomBytesPool } from '../../../common/random-bytes-pool';
import type { LabControls } from '../lab/controls';
import type { StripeOrigins } from '../security/csp';
import { PAGE_INTEGRATIONS } from '../security/csp';
import { createPageHeaders } from '../security/headers';
import type { FlatHeaders, SecurityHeadersOptions } from '../security/headers';
import { requestPathname } from '../request-path';

export const NONCE_PLACEHOLDER = '__CSP_NONCE__';

export interface PageFile {
  page: Page;
  /** `seller`: answered by the seller router after its session check, never by the responder in front; `lab`: in lab mode only. */
  access: PageAccess;
  /** Where the page is served, with its nonce and CSP. */
  route: string;
  /** The file Vite builds for it: read once as a template, never served as it is. */
  file: string;
}

/** Every page with its route and built file, from the one page list (common/pages.ts). */
export const PAGE_FILES: readonly PageFile[] = PAGE_MANIFEST.map((entry) => ({
  page: entry.page,
  access: (entry as PageEntry).access ?? 'public',
  route: entry.route,
  file: entry.entry,
}));

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

// 128 bits per nonce (CSP asks for at least that: https://www.w3.org/TR/CSP3/#security-nonces),
// from a pool that draws 256 nonces' worth at a time.
const NONCE_BYTES = 16;
const takeNonceBytes = createRandomBytesPool(NONCE_BYTES * 256);

export function createNonce(): string {
  return takeNonceBytes(NONCE_BYTES).toString('base64');
}

export interface PagesOptions {
  templates: PageTemplates;
  stripeOrigins: StripeOrigins;
  publicUrl: string;
  security: SecurityHeadersOptions;
  /** Lab mode only: serves the lab panel, and reads the switches per response (CSP, framing, the banner). */
  lab?: LabControls | null;
}

/** One page, all of it prepared at startup: its template cut at each nonce, and its headers. */
interface PreparedPage {
  parts: string[];
  /** The body's length in bytes but for its nonces. */
  fixedBytes: number;
  headers: (nonce: string, contentLength: number) => FlatHeaders;
}

function preparePage(page: Page, options: PagesOptions): PreparedPage {
  const parts = options.templates[page].split(NONCE_PLACEHOLDER);
  const entry: PageEntry | undefined = PAGE_MANIFEST.find((candidate) => candidate.page === page);
  return {
    parts,
    fixedBytes: parts.reduce((bytes, part) => bytes + Buffer.byteLength(part), 0),
    headers: createPageHeaders({
      ...options.security,
      integration: PAGE_INTEGRATIONS[page],
      stripeOrigins: options.stripeOrigins,
      publicUrl: options.publicUrl,
      lab: options.lab,
      features: entry?.features ?? [],
    }),
  };
}

/** The lab's warning, right after `<body …>`: which controls are off, and where to turn them on. */
export function insertLabBanner(html: string, off: readonly string[]): string {
  if (off.length === 0) return html;
  const banner = `<div id="${LAB_BANNER_ID}" class="lab-banner" role="alert" data-testid="${LAB_BANNER_ID}">Security lab: controls off: ${off.join(', ')}. <a href="/lab">Turn them on</a></div>`;
  return html.replace(/<body[^>]*>/, (body) => `${body}${banner}`);
}

function sendPage(page: PreparedPage, req: IncomingMessage, res: ServerResponse, lab: LabControls | null | undefined): void {
  const nonce = createNonce();
  if (lab) {
    const body = insertLabBanner(page.parts.join(nonce), lab.offControls());
    res.writeHead(200, page.headers(nonce, Buffer.byteLength(body)));
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(200, page.headers(nonce, page.fixedBytes + (page.parts.length - 1) * Buffer.byteLength(nonce)));
  res.end(req.method === 'HEAD' ? undefined : page.parts.join(nonce));
}

/**
 * Sends one page as the responder would, for a route that decides first whether the visitor
 * may have it (the seller pages, after the session check).
 */
export function createPageSender(page: Page, options: PagesOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const prepared = preparePage(page, options);
  return (req, res) => sendPage(prepared, req, res, options.lab);
}

/**
 * Answers GET and HEAD for a page's route and returns true; returns false for anything else. A
 * route matches as Express's router matched it: any case of its letters, with or without one
 * trailing slash, with any query.
 *
 * The HTML goes out uncompressed. Compressing it is not a BREACH risk here (BREACH needs a
 * secret repeated across responses in a body that also reflects the attacker's input; ours
 * reflects no input, and the nonce is new each time), but it would have to happen per response
 * because of the nonce, and gzip on a 3 KB page costs more CPU than everything else this
 * handler does, to save about 2 KB. The page's scripts and styles, precompressed, are most of
 * the bytes (built-assets.ts).
 */
export function createPageResponder(options: PagesOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const byPath = new Map<string, PreparedPage>();
  const lab = options.lab;
  // Without a lab (every mode but lab mode) the lab's pages are not served at all: a 404. Pages
  // behind a sign-in are left to the Express app, whose router checks the session first.
  for (const { page, route } of PAGE_FILES.filter((file) => file.access === 'public' || (lab && file.access === 'lab'))) {
    const prepared = preparePage(page, options);
    for (const spelling of [route, `${route}/`]) byPath.set(spelling.toLowerCase(), prepared);
  }
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    // Lower-casing folds only ASCII letters into ASCII (as the router's case-insensitive match did).
    const page = byPath.get(requestPathname(req.url ?? '')?.toLowerCase() ?? '');
    if (page === undefined) return false;
    sendPage(page, req, res, lab);
    return true;
  };
}
