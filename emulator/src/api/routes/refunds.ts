// /v1/refunds (create, retrieve): https://docs.stripe.com/api/refunds
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { resourceMissing } from '../errors';
import { expandRefund } from '../expand';
import { booleanString, expandSchema, metadataSchema, parseParams, positiveInteger } from '../params';
import { createRefund } from '../../state/refunds';

const createParamsSchema = z.strictObject({
  payment_intent: z.string().min(1).optional(),
  charge: z.string().min(1).optional(),
  amount: positiveInteger.optional(),
  reason: z
    .enum(['duplicate', 'fraudulent', 'requested_by_customer'], {
      message: 'Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer',
    })
    .optional(),
  metadata: metadataSchema.optional(),
  reverse_transfer: booleanString.optional(),
  refund_application_fee: booleanString.optional(),
});

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional() });

export function createRefundRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      return createRefund(
        context,
        {
          paymentIntentId: params.payment_intent,
          chargeId: params.charge,
          amount: params.amount,
          reason: params.reason,
          metadata: params.metadata ?? {},
          reverseTransfer: params.reverse_transfer,
          refundApplicationFee: params.refund_application_fee,
        },
        call.request,
      );
    }),
  );
  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      const id = call.pathParams.id ?? '';
      const refund = context.store.refunds.get(id);
      if (!refund) throw resourceMissing('refund', id, 'refund');
      return expandRefund(refund, params.expand ?? [], context.store);
    }),
  );
  return router;
}
