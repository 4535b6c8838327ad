// Refuses cross-site state-changing requests (CSRF defence for our JSON API).
//
// Browsers send Sec-Fetch-Site on every request (https://www.w3.org/TR/fetch-metadata/)
// and Origin on every POST; either one naming another site means the request was made
// by someone else's page. Non-browser clients (curl, tests) send neither and are let
// through: CSRF needs a victim's browser.
import type { RequestHandler } from 'express';
import { AppError } from '../errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function originCheckMiddleware(publicUrl: string): RequestHandler {
  const allowedOrigin = new URL(publicUrl).origin;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const site = req.get('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') {
      return next(new AppError(403, 'cross_site_request', 'Cross-site requests are not allowed.'));
    }
    const origin = req.get('origin');
    if (origin !== undefined && origin !== allowedOrigin) {
      return next(new AppError(403, 'cross_site_request', 'Cross-site requests are not allowed.'));
    }
    next();
  };
}
