// The seller area over HTTP: the passkey ceremonies (enrol from a one-time link, sign in), the
// session (who am I, sign out) and the pages only a signed-in seller may load. Every POST passes
// the origin check; the ceremonies have a rate limit of their own. Answers are never cached.
import express from 'express';
import type { Request, RequestHandler, Response, Router } from 'express';
import { z } from 'zod';
import { PAGE_MANIFEST, SELLER_SIGN_IN_ROUTE, type PageEntry } from '../../../common/pages';
import type { SellerAccountSession, SellerProfile } from '../../../common/api-contract';
import type { SellerTimeouts } from '../config';
import { AppError } from '../errors';
import { parseJsonBody } from './json-body';
import { createSellerAccountSession } from '../payments/connected-accounts';
import type { Stripe } from '../payments/stripe-client';
import { createPasskeys, PasskeyError } from '../sellers/passkeys';
import { createSessionManager } from '../sellers/sessions';
import { isSecretShaped } from '../sellers/secrets';
import { originCheckMiddleware } from '../security/origin-check';
import type { RateLimiters } from '../security/rate-limit';
import { clearedSessionCookie, readSessionCookie, sessionCookie } from '../security/session-cookie';
import type { SellerStore } from '../store/seller-store';
import { createPageSender, type PagesOptions } from './pages';

export interface SellerDeps {
  store: SellerStore;
  timeouts: SellerTimeouts;
  publicUrl: string;
  /** The name passkey prompts show. */
  rpName: string;
  limiters: RateLimiters;
  /** For the seller's connected account and its Account Sessions. */
  stripe: Stripe;
  /** Now, in ms: tests move it to expire sessions. */
  clock?: () => number;
}

// A WebAuthn answer as @simplewebauthn/browser sends it; the library checks everything inside.
const credential = z.looseObject({
  id: z.string().min(1).max(1400),
  rawId: z.string().min(1).max(1400),
  type: z.literal('public-key'),
  response: z.looseObject({ clientDataJSON: z.string().max(4000) }),
  clientExtensionResults: z.looseObject({}),
});
const token = z.string().refine(isSecretShaped, 'token is not an enrolment token');
const schemas = {
  signInOptions: z.strictObject({}),
  enrolOptions: z.strictObject({ token }),
  enrol: z.strictObject({ token, credential }),
  signIn: z.strictObject({ credential }),
  accountSession: z.strictObject({}),
};

const PASSKEY_STATUS: Record<PasskeyError['reason'], number> = {
  invalid_enrolment_link: 400,
  passkey_not_recognised: 401,
  passkey_verification_failed: 401,
};

function toAppError(error: unknown): unknown {
  return error instanceof PasskeyError ? new AppError(PASSKEY_STATUS[error.reason], error.reason, error.message) : error;
}

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};

/** POST /api/seller/…: the ceremonies and sign-out, and GET /api/seller/me. */
export function createSellerApiRouter(deps: SellerDeps): Router {
  const router = express.Router();
  const sessions = createSessionManager(deps.store, deps.timeouts, deps.clock);
  const passkeys = createPasskeys({ store: deps.store, publicUrl: deps.publicUrl, rpName: deps.rpName });
  const originCheck = originCheckMiddleware(deps.publicUrl);
  const ceremony = [originCheck, deps.limiters.sellerAuth];
  router.use(noStore);

  const signIn = async (req: Request, res: Response, sellerId: string, status: number) => {
    const id = await sessions.start(sellerId, readSessionCookie(req));
    res.set('Set-Cookie', sessionCookie(id, deps.timeouts.sessionMaxMs));
    res.status(status).json({ redirect: '/seller' });
  };

  router.post('/enrol/options', ...ceremony, async (req, res) => {
    const body = parseJsonBody(schemas.enrolOptions, req);
    res.json(await passkeys.enrolOptions(body.token).catch((error: unknown) => Promise.reject(toAppError(error))));
  });

  router.post('/enrol', ...ceremony, async (req, res) => {
    const body = parseJsonBody(schemas.enrol, req);
    const sellerId = await passkeys
      .enrolVerify(body.token, body.credential as unknown as Parameters<typeof passkeys.enrolVerify>[1])
      .catch((error: unknown) => Promise.reject(toAppError(error)));
    await signIn(req, res, sellerId, 201);
  });

  router.post('/sign-in/options', ...ceremony, async (req, res) => {
    parseJsonBody(schemas.signInOptions, req);
    res.json(await passkeys.signInOptions());
  });

  router.post('/sign-in', ...ceremony, async (req, res) => {
    const body = parseJsonBody(schemas.signIn, req);
    const sellerId = await passkeys
      .signInVerify(body.credential as unknown as Parameters<typeof passkeys.signInVerify>[0])
      .catch((error: unknown) => Promise.reject(toAppError(error)));
    await signIn(req, res, sellerId, 200);
  });

  router.post('/sign-out', originCheck, async (req, res) => {
    await sessions.end(readSessionCookie(req));
    res.set('Set-Cookie', clearedSessionCookie());
    res.status(204).end();
  });

  /** The signed-in seller, or a 401 that clears the cookie. */
  const signedInSeller = async (req: Request, res: Response) => {
    const sellerId = await sessions.resolve(readSessionCookie(req));
    const seller = sellerId === undefined ? undefined : await deps.store.findSellerById(sellerId);
    if (!seller) {
      res.set('Set-Cookie', clearedSessionCookie());
      throw new AppError(401, 'not_signed_in', 'Sign in to the seller area first.');
    }
    return seller;
  };

  router.get('/me', async (req, res) => {
    const seller = await signedInSeller(req, res);
    res.json({ email: seller.email } satisfies SellerProfile);
  });

  // Connect.js's fetchClientSecret: the session decides whose account, never the request.
  // The answer is the response body only (no-store, above): the request log holds its path and status.
  router.post('/account-session', originCheck, deps.limiters.accountSessions, async (req, res) => {
    parseJsonBody(schemas.accountSession, req);
    const seller = await signedInSeller(req, res);
    const clientSecret = await createSellerAccountSession({ stripe: deps.stripe, store: deps.store }, seller);
    res.json({ clientSecret } satisfies SellerAccountSession);
  });

  return router;
}

/**
 * The pages the page list marks `access: 'seller'`: sent (as the responder in front sends the
 * others) to a live session only; anyone else is sent to the sign-in page, with a 303 that no
 * cache keeps.
 */
export function createSellerPagesRouter(deps: SellerDeps, pages: PagesOptions): RequestHandler {
  const sessions = createSessionManager(deps.store, deps.timeouts, deps.clock);
  const byPath = new Map<string, (req: Request, res: Response) => void>();
  for (const entry of PAGE_MANIFEST.filter((candidate: PageEntry) => candidate.access === 'seller')) {
    const send = createPageSender(entry.page, pages);
    // The spellings the page responder matches: any case, with or without one trailing slash.
    for (const spelling of [entry.route, `${entry.route}/`]) byPath.set(spelling.toLowerCase(), send);
  }
  // Middleware rather than router.get: a route would make Express answer OPTIONS itself (with
  // an Allow header), where every other page's route gets the JSON 404.
  return (req, res, next) => {
    const send = req.method === 'GET' || req.method === 'HEAD' ? byPath.get(req.path.toLowerCase()) : undefined;
    if (send === undefined) return next();
    sessions.resolve(readSessionCookie(req)).then((sellerId) => {
      if (sellerId !== undefined) return send(req, res);
      res.set('Cache-Control', 'no-store');
      res.set('Set-Cookie', clearedSessionCookie());
      res.redirect(303, SELLER_SIGN_IN_ROUTE);
    }, next);
  };
}
