// /v1/payment_intents/:id and /v1/charges/:id (read-only here: Checkout creates them).
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../context';
import { resourceMissing } from '../errors';
import { expandCharge, expandPaymentIntent } from '../expand';
import { expandSchema, parseParams } from '../params';

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional(), client_secret: z.string().optional() });

export function createPaymentIntentRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      const id = call.pathParams.id ?? '';
      const intent = context.store.paymentIntents.get(id);
      if (!intent) throw resourceMissing('payment_intent', id, 'intent');
      return expandPaymentIntent(intent, params.expand ?? [], context.store);
    }),
  );
  return router;
}

export function createChargeRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
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
