// /v1/disputes/:id (retrieve): https://docs.stripe.com/api/disputes/retrieve
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { resourceMissing } from '../errors';
import { expandChargeReversal } from '../expand';
import { expandSchema, parseParams } from '../params';
import { listNewestFirst } from '../list';

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional() });

export function createDisputeRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  // Newest first, `limit` and `starting_after` only (what a permission probe and a script need).
  router.get(
    '/',
    apiRoute((call) => listNewestFirst(context.store.disputes.values(), call.params, '/v1/disputes', 'dispute')),
  );

  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      const id = call.pathParams.id ?? '';
      const dispute = context.store.disputes.get(id);
      if (!dispute) throw resourceMissing('dispute', id, 'dispute');
      return expandChargeReversal(dispute, params.expand ?? [], context.store);
    }),
  );
  return router;
}
