// One wrapper for every `/v1` handler: the key check, the API version check, idempotent
// replay, and Stripe-shaped errors. Handlers are synchronous over in-memory state, so a
// request is applied and remembered for its Idempotency-Key in one step (no interleaving).
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import { authenticatePublishableKey, authenticateSecretKey, authorizeKey, hasPublishableKey, type AuthOptions } from './auth';
import { invalidRequest, StripeError } from './errors';
import { createId } from '../ids';
import { fingerprintRequest, type IdempotencyCache, type StoredResponse } from './idempotency';

export interface ApiRouteDeps {
  auth: AuthOptions;
  idempotency: IdempotencyCache;
  logger: Logger;
  /**
   * The resource, as Stripe's restricted-key permissions name it (`charge`, `checkout_session`):
   * a GET needs its read permission, a POST its write permission.
   */
  resource?: string;
}

export interface ApiCall {
  /** The parameters: the form body of a POST, the query of a GET. */
  params: unknown;
  pathParams: Record<string, string>;
  /** Stripe's `event.request` for events this call causes. */
  request: Stripe.Event.Request;
  /** Which kind of key authenticated the call. */
  keyKind: KeyKind;
}

export type KeyKind = 'secret' | 'publishable';

export interface ApiRouteOptions {
  /**
   * 'secret' (default): server-side calls. 'publishable': what Stripe.js calls from the
   * browser (CORS open, `key` parameter). 'either': both, the handler tells them apart.
   */
  keys?: 'secret' | 'publishable' | 'either';
}

export function createApiRoute(deps: ApiRouteDeps) {
  return function apiRoute(run: (call: ApiCall) => unknown, options: ApiRouteOptions = {}): RequestHandler {
    const keys = options.keys ?? 'secret';
    return (req, res) => {
      const requestId = createId('req', 14);
      res.set('Request-Id', requestId).set('Stripe-Version', Stripe.API_VERSION);
      const { key: keyParam, params } = splitKeyParam(req.method === 'GET' ? req.query : req.body);
      const keyKind: KeyKind = keys === 'publishable' || (keys === 'either' && hasPublishableKey(req, keyParam)) ? 'publishable' : 'secret';
      // Stripe.js calls api.stripe.com from any merchant origin, without cookies.
      if (keyKind === 'publishable') res.set('Access-Control-Allow-Origin', '*');
      const idempotencyKey = req.method === 'POST' ? (req.get('idempotency-key') ?? null) : null;
      const required =
        deps.resource === undefined ? undefined : ({ resource: deps.resource, access: req.method === 'GET' ? 'read' : 'write' } as const);
      const authenticate = () => {
        if (keyKind === 'publishable') return authenticatePublishableKey(req, keyParam);
        const key = authenticateSecretKey(req, deps.auth);
        authorizeKey(key, required, deps.auth);
        return key;
      };
      const outcome = respond(req, params, idempotencyKey, authenticate, () => {
        const call: ApiCall = {
          params,
          pathParams: readPathParams(req),
          request: { id: requestId, idempotency_key: idempotencyKey },
          keyKind,
        };
        return { status: 200, body: JSON.stringify(run(call)) };
      });
      if (outcome.replayed) res.set('Idempotent-Replayed', 'true');
      res.status(outcome.status).type('application/json').send(outcome.body);
    };
  };

  function respond(
    req: Request,
    params: unknown,
    idempotencyKey: string | null,
    authenticate: () => string,
    execute: () => StoredResponse,
  ): StoredResponse & { replayed: boolean } {
    let apiKey: string | undefined;
    let fingerprint = '';
    try {
      apiKey = authenticate();
      checkApiVersion(req.get('stripe-version'));
      if (idempotencyKey !== null) {
        if (idempotencyKey.length === 0 || idempotencyKey.length > 255) {
          throw invalidRequest('Idempotency-Key must be between 1 and 255 characters long.', 'Idempotency-Key');
        }
        fingerprint = fingerprintRequest(req.method, `${req.baseUrl}${req.path}`, params);
        const stored = deps.idempotency.find(apiKey, idempotencyKey, fingerprint);
        if (stored) return { ...stored, replayed: true };
      }
      const result = execute();
      remember(apiKey, idempotencyKey, fingerprint, result);
      return { ...result, replayed: false };
    } catch (error) {
      const response = toErrorResponse(error, deps.logger);
      // Stripe keeps the outcome of a key's first request, errors included (not 5xx).
      if (apiKey && fingerprint) remember(apiKey, idempotencyKey, fingerprint, response);
      return { ...response, replayed: false };
    }
  }

  function remember(apiKey: string, key: string | null, fingerprint: string, response: StoredResponse): void {
    if (key !== null && fingerprint) deps.idempotency.remember(apiKey, key, fingerprint, response);
  }
}

export function toErrorResponse(error: unknown, logger: Logger): StoredResponse {
  if (error instanceof StripeError) return { status: error.status, body: JSON.stringify(error.toBody()) };
  logger.error({ err: error }, 'unexpected error in the emulator API');
  const generic = new StripeError(500, 'api_error', 'An unexpected error occurred in the Stripe emulator. See its log.');
  return { status: 500, body: JSON.stringify(generic.toBody()) };
}

/**
 * stripe-node v23 sends `Stripe-Version: 2026-10-28.endive`. Stripe answers any released
 * version (a request pinned to an older one, an account's default), so an older, well-formed
 * version is answered here too, with the objects of the pinned version (the only ones the
 * emulator builds); a malformed or later one is refused as Stripe refuses an unknown one.
 * https://docs.stripe.com/api/versioning
 */
const API_VERSION_FORMAT = /^(\d{4}-\d{2}-\d{2})(?:\.[a-z]+)?$/;

function checkApiVersion(version: string | undefined): void {
  if (version === undefined || version === Stripe.API_VERSION) return;
  const released = API_VERSION_FORMAT.exec(version)?.[1];
  const pinned = API_VERSION_FORMAT.exec(Stripe.API_VERSION)?.[1] ?? '';
  if (released !== undefined && !Number.isNaN(Date.parse(released)) && released <= pinned) return;
  throw invalidRequest(
    `Invalid Stripe API version: ${version}. The emulator speaks versions up to ${Stripe.API_VERSION} (stripe@23.1.0); remove the apiVersion option or set it to ${Stripe.API_VERSION}.`,
    undefined,
    'api_version_invalid',
  );
}

/** Stripe.js sends the publishable key as the `key` parameter; it is not a parameter of the call. */
function splitKeyParam(input: unknown): { key: unknown; params: unknown } {
  if (typeof input !== 'object' || input === null || !('key' in input)) return { key: undefined, params: input };
  const { key, ...params } = input;
  return { key, params };
}

function readPathParams(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.params)) if (typeof value === 'string') out[key] = value;
  return out;
}

/** Stripe's answer for a path it does not know. */
export function sendUnknownRoute(req: Request, res: Response): void {
  const error = new StripeError(404, 'invalid_request_error', `Unrecognized request URL (${req.method}: ${req.baseUrl}${req.path}).`);
  res.status(404).set('Request-Id', createId('req', 14)).json(error.toBody());
}
