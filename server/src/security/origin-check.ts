// Refuses cross-site state-changing requests (CSRF defence for our JSON API).
//
// Browsers send Sec-Fetch-Site on every request (https://www.w3.org/TR/fetch-metadata/)
// and Origin on every POST; either one naming another site means the request was made
// by someone else's page. Non-browser clients (curl, tests) send neither and are let
// through: CSRF needs a victim's browser.
import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import { controlOn } from '../lab/controls';
import type { LabControls } from '../lab/controls';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `lab`: lab mode's switches (`origin-check` off lets every request through); absent everywhere else. */
export function originCheckMiddleware(publicUrl: string, lab?: LabControls | null): RequestHandler {
  const allowedOrigin = new URL(publicUrl).origin;
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || !controlOn(lab, 'origin-check')) return next();
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
