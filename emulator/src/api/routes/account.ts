// /v1/account (retrieve your own account): https://docs.stripe.com/api/accounts/retrieve
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { parseParams } from '../params';

export function createAccountRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.get(
    '/',
    apiRoute((call) => {
      parseParams(z.strictObject({ expand: z.array(z.string()).max(0).optional() }), call.params);
      return context.account;
    }),
  );
  return router;
}
