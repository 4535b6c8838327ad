// /v1/balance_transactions/:id (retrieve): https://docs.stripe.com/api/balance_transactions/retrieve
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { invalidRequest, resourceMissing } from '../errors';
import { expandSchema, parseParams } from '../params';

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional() });

export function createBalanceTransactionRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      // Stripe takes `expand[]` on every retrieve; the emulator expands nothing of a balance transaction (`source` stays an id).
      const [path] = params.expand ?? [];
      if (path !== undefined) throw invalidRequest(`This property cannot be expanded (${path}).`, 'expand');
      const id = call.pathParams.id ?? '';
      const transaction = context.store.balanceTransactions.get(id);
      if (!transaction) throw resourceMissing('balance transaction', id, 'id');
      return transaction;
    }),
  );
  return router;
}
