// /v1/charges/:id (retrieve, `expand[]` payment_intent): https://docs.stripe.com/api/charges/retrieve
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { resourceMissing } from '../errors';
import { expandCharge } from '../expand';
import { expandSchema, parseParams } from '../params';
import { listNewestFirst } from '../list';

export function createChargeRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  // Newest first, `limit` and `starting_after` only (what a permission probe and a script need).
  router.get(
    '/',
    apiRoute((call) => listNewestFirst(context.store.charges.values(), call.params, '/v1/charges', 'charge')),
  );

  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(z.strictObject({ expand: expandSchema.optional() }), call.params);
      const id = call.pathParams.id ?? '';
      const charge = context.store.charges.get(id);
      if (!charge) throw resourceMissing('charge', id, 'charge');
      return expandCharge(charge, params.expand ?? [], context.store);
    }),
  );
  return router;
}
