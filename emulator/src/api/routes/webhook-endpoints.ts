// /v1/webhook_endpoints (list, create, retrieve, update): https://docs.stripe.com/api/webhook_endpoints
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { listNewestFirst } from '../list';
import { booleanString, metadataSchema, parseParams } from '../params';
import { createWebhookEndpoint, findWebhookEndpoint, updateWebhookEndpoint } from '../../state/webhook-endpoints';

const urlSchema = z
  .string()
  .max(5000)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), { message: 'Invalid URL' });

const enabledEventsSchema = z
  .array(z.string().regex(/^(\*|[a-z_]+(\.[a-z_]+)+)$/, { message: 'Invalid event type' }))
  .min(1)
  .max(500);

const createParamsSchema = z.strictObject({
  url: urlSchema,
  enabled_events: enabledEventsSchema,
  // Any version name Stripe could have (`2026-10-28.endive`, `2024-06-20`): it is recorded and listed;
  // the emulator renders every event in its own version.
  api_version: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, { message: 'Invalid API version' })
    .optional(),
  description: z.string().max(5000).optional(),
  metadata: metadataSchema.optional(),
  connect: booleanString.optional(),
  expand: z.array(z.string()).max(0).optional(),
});

const updateParamsSchema = z.strictObject({
  url: urlSchema.optional(),
  enabled_events: enabledEventsSchema.optional(),
  disabled: z.enum(['true', 'false'], { message: 'Invalid boolean' }).optional(),
  expand: z.array(z.string()).max(0).optional(),
});

export function createWebhookEndpointRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.get(
    '/',
    apiRoute((call) =>
      listNewestFirst(
        [...context.store.webhookEndpoints.values()].map(({ endpoint }) => endpoint),
        call.params,
        '/v1/webhook_endpoints',
        'webhook endpoint',
      ),
    ),
  );
  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      return createWebhookEndpoint(context, {
        url: params.url,
        enabledEvents: params.enabled_events,
        ...(params.api_version === undefined ? {} : { apiVersion: params.api_version }),
        description: params.description ?? null,
        metadata: params.metadata ?? {},
        connect: params.connect ?? false,
      });
    }),
  );
  router.get(
    '/:id',
    apiRoute((call) => {
      parseParams(z.strictObject({ expand: z.array(z.string()).max(0).optional() }), call.params);
      return findWebhookEndpoint(context, call.pathParams.id ?? '');
    }),
  );
  router.post(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(updateParamsSchema, call.params);
      return updateWebhookEndpoint(context, call.pathParams.id ?? '', {
        url: params.url,
        enabledEvents: params.enabled_events,
        disabled: params.disabled === undefined ? undefined : params.disabled === 'true',
      });
    }),
  );
  return router;
}
