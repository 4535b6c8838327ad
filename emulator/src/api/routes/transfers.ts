// /v1/transfers/:id and /v1/application_fees/:id (retrieve, list): what destination charges made.
// https://docs.stripe.com/api/transfers and https://docs.stripe.com/api/application_fees
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { resourceMissing } from '../errors';
import { listNewestFirst } from '../list';
import { parseParams } from '../params';

const retrieveParamsSchema = z.strictObject({ expand: z.array(z.string()).max(0).optional() });

export function createTransferRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  return createReadRoutes(apiRoute, () => context.store.transfers, '/v1/transfers', 'transfer');
}

export function createApplicationFeeRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  return createReadRoutes(apiRoute, () => context.store.applicationFees, '/v1/application_fees', 'application fee');
}

function createReadRoutes<T extends { id: string }>(
  apiRoute: ReturnType<typeof createApiRoute>,
  objects: () => Map<string, T>,
  url: string,
  objectName: string,
): Router {
  const router = Router();
  router.get(
    '/',
    apiRoute((call) => listNewestFirst(objects().values(), call.params, url, objectName)),
  );
  router.get(
    '/:id',
    apiRoute((call) => {
      parseParams(retrieveParamsSchema, call.params);
      const id = call.pathParams.id ?? '';
      const object = objects().get(id);
      if (!object) throw resourceMissing(objectName.replace(' ', '_'), id);
      return object;
    }),
  );
  return router;
}
