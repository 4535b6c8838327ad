// The client build's files other than its pages: scripts, styles, images. Nothing else.
//
// The files are listed once at startup from what Vite wrote, leaving out every HTML file and
// every dotfile, and a request is matched against that list by its decoded path, exactly. So
// no spelling of a path (percent-encoded, double-encoded, upper-case, dotted, with
// backslashes or `;`) can make this handler send a page's template: a template goes out only
// through the page handlers, which add its nonce and CSP. A static server that decodes after
// the router has looked at the still-encoded path sent `/payment%2ehtml` raw (found by an outside review).
//
// Each file is read once, with its brotli and gzip copies (common/precompressed.ts), and its
// every answer built then: headers from security/headers.ts, a strong ETag per coding,
// Last-Modified. Per request: pick the coding the client accepts best (accept-encoding.ts),
// answer 304 to a matching validator, else the bytes. The files are the build's (100 KB or so),
// held in memory like the page templates: both are what the running server was started with,
// so a page always finds the scripts it names. Range requests are answered with the whole file
// (RFC 9110 §14.2 lets a server ignore Range; these files are a few KB).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { contentType } from 'mime-types';
import { PRECOMPRESSED_FILE, PRECOMPRESSIONS } from '../../../common/precompressed';
import { assetHeaders } from '../security/headers';
import type { FlatHeaders, SecurityHeadersOptions } from '../security/headers';
import { preferredEncoding } from './accept-encoding';
import { decodedPathname, requestPathname } from '../request-path';

// HTML in any spelling a server maps to an HTML or XHTML type (which a browser renders as a page).
const HTML_FILE = /\.(?:html?|shtml|xht|xhtml)$/i;

/** A file's compressed copy (`x.js.br` beside `x.js`): sent for `x.js`, never a URL of its own. */
function isCompressedCopy(name: string, names: ReadonlySet<string>): boolean {
  return PRECOMPRESSIONS.some(
    ({ suffix }) =>
      name.endsWith(suffix) && PRECOMPRESSED_FILE.test(name.slice(0, -suffix.length)) && names.has(name.slice(0, -suffix.length)),
  );
}

/** URL path (`/assets/index-Bx12cd34.js`) → absolute file, for every file but HTML, dotfiles and compressed copies. */
export function listBuiltAssets(clientDir: string): ReadonlyMap<string, string> {
  const assets = new Map<string, string>();
  const walk = (dir: string, urlPath: string) => {
    const entries = readdirSync(dir, { withFileTypes: true });
    const names = new Set(entries.filter((entry) => entry.isFile()).map((entry) => entry.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file, `${urlPath}${entry.name}/`);
      else if (entry.isFile() && !HTML_FILE.test(entry.name) && !isCompressedCopy(entry.name, names))
        assets.set(`${urlPath}${entry.name}`, file);
    }
  };
  walk(path.resolve(clientDir), '/');
  return assets;
}

/** One coding of a file, with everything it is sent with. */
interface Representation {
  encoding: string;
  body: Buffer;
  etag: string;
  /** The 200's headers. */
  headers: FlatHeaders;
  /** The 304's: the validators and caching headers without the body's description (RFC 9110 §15.4.5). */
  notModified: FlatHeaders;
}

interface BuiltAsset {
  /** The compressed codings it has, in the server's order of preference. */
  encodings: string[];
  representations: ReadonlyMap<string, Representation>;
  lastModifiedMs: number;
}

function strongEtag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

function loadAsset(urlPath: string, file: string, security: SecurityHeadersOptions): BuiltAsset {
  const policy = assetHeaders(security, urlPath.startsWith('/assets/'));
  const modified = statSync(file).mtime;
  // Last-Modified has whole seconds; compare If-Modified-Since against the same.
  const lastModifiedMs = Math.floor(modified.getTime() / 1000) * 1000;
  const type = contentType(path.extname(file)) || 'application/octet-stream';
  const identity = readFileSync(file);
  const copies = PRECOMPRESSIONS.flatMap(({ encoding, suffix }) => {
    try {
      return [{ encoding, body: readFileSync(`${file}${suffix}`) }];
    } catch {
      return [];
    }
  });
  // A file that has compressed copies varies by Accept-Encoding, also when sent as it is, so a
  // cache never hands one coding to a client that asked for another.
  const vary = copies.length > 0 ? ['Vary', 'Accept-Encoding'] : [];
  const representations = new Map<string, Representation>();
  for (const { encoding, body } of [{ encoding: 'identity', body: identity }, ...copies]) {
    const etag = strongEtag(body);
    const validators = [...policy, 'ETag', etag, 'Last-Modified', modified.toUTCString(), ...vary];
    const coding = encoding === 'identity' ? [] : ['Content-Encoding', encoding];
    representations.set(encoding, {
      encoding,
      body,
      etag,
      headers: [...validators, 'Content-Type', type, ...coding, 'Content-Length', String(body.length)],
      notModified: validators,
    });
  }
  return { encodings: copies.map((copy) => copy.encoding), representations, lastModifiedMs };
}

/** Reads every built file and its copies: URL path → what to send. */
export function loadBuiltAssets(clientDir: string, security: SecurityHeadersOptions): ReadonlyMap<string, BuiltAsset> {
  return new Map([...listBuiltAssets(clientDir)].map(([urlPath, file]) => [urlPath, loadAsset(urlPath, file, security)]));
}

/** RFC 9110 §13.1.2-3: If-None-Match (weak comparison) decides; If-Modified-Since only without it. */
function isNotModified(req: IncomingMessage, etag: string, lastModifiedMs: number): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return ifNoneMatch.trim() === '*' || ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
  }
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && lastModifiedMs <= since;
}

/**
 * Answers GET and HEAD for a built file and returns true; returns false for anything else
 * (the app's router then answers it: other methods and unknown paths get its JSON 404).
 */
export function createBuiltAssetResponder(
  clientDir: string,
  security: SecurityHeadersOptions,
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const assets = loadBuiltAssets(clientDir, security);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const pathname = requestPathname(req.url ?? '');
    const urlPath = pathname === undefined ? undefined : decodedPathname(pathname);
    const asset = urlPath === undefined ? undefined : assets.get(urlPath);
    if (asset === undefined) return false;
    const chosen = asset.representations.get(preferredEncoding(req.headers['accept-encoding'], asset.encodings));
    if (chosen === undefined) return false;
    if (isNotModified(req, chosen.etag, asset.lastModifiedMs)) {
      res.writeHead(304, chosen.notModified);
      res.end();
    } else {
      res.writeHead(200, chosen.headers);
      res.end(req.method === 'HEAD' ? undefined : chosen.body);
    }
    return true;
  };
}
