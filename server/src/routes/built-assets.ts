// The client build's files other than its pages: scripts, styles, images. Nothing else.
//
// The files are listed once at startup from what Vite wrote, leaving out every HTML file and
// every dotfile, and a request is matched against that list by its decoded path, exactly. So
// no spelling of a path (percent-encoded, double-encoded, upper-case, dotted, with
// backslashes or `;`) can make this handler send a page's template: a template goes out only
// through the page handlers, which add its nonce and CSP. A static server that decodes after
// the router has looked at the still-encoded path sent `/payment%2ehtml` raw (found by an outside review).
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';

// HTML in any spelling a server maps to an HTML or XHTML type (which a browser renders as a page).
const HTML_FILE = /\.(?:html?|shtml|xht|xhtml)$/i;
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/** URL path (`/assets/index-Bx12cd34.js`) → absolute file, for every file but HTML and dotfiles. */
export function listBuiltAssets(clientDir: string): ReadonlyMap<string, string> {
  const assets = new Map<string, string>();
  const walk = (dir: string, urlPath: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file, `${urlPath}${entry.name}/`);
      else if (entry.isFile() && !HTML_FILE.test(entry.name)) assets.set(`${urlPath}${entry.name}`, file);
    }
  };
  walk(path.resolve(clientDir), '/');
  return assets;
}

/** The request's path, percent-decoded once; undefined when it does not decode. */
function decodedPath(rawPath: string): string | undefined {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
}

export function builtAssetsMiddleware(clientDir: string): RequestHandler {
  const assets = listBuiltAssets(clientDir);
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    const urlPath = decodedPath(req.path);
    const file = urlPath === undefined ? undefined : assets.get(urlPath);
    if (file === undefined) return next();
    // Vite puts a content hash in every file name under assets/; public/ files keep their names.
    const hashed = urlPath?.startsWith('/assets/') === true;
    res.setHeader('Cache-Control', hashed ? `public, max-age=${ONE_YEAR_SECONDS}, immutable` : 'public, max-age=3600');
    res.sendFile(file, { cacheControl: false, dotfiles: 'deny' }, (err?: NodeJS.ErrnoException) => {
      if (!err || res.headersSent) return;
      res.removeHeader('Cache-Control');
      // A file removed since startup is simply not there any more.
      next(err.code === 'ENOENT' ? undefined : err);
    });
  };
}
