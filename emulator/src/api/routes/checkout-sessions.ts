// /v1/checkout/sessions: https://docs.stripe.com/api/checkout/sessions
import { Router } from 'express';
import { z } from 'zod';
import type { ApiCall, createApiRoute } from '../api-route';
import { createCheckoutSession, expireCheckoutSession, findCheckoutSession } from '../../state/checkout-sessions';
import type { EmulatorContext } from '../../context';
import { invalidRequest, missingParam } from '../errors';
import { expandCheckoutSession, listLineItems } from '../expand';
import {
  expandSchema,
  integerString,
  metadataSchema,
  nonNegativeInteger,
  parseParams,
  positiveInteger,
  transferDataSchema,
} from '../params';
import { resolveDestination } from '../../state/destination-charges';
import { listNewestFirst } from '../list';

const currencySchema = z
  .string()
  .regex(/^[a-zA-Z]{3}$/, { message: 'Invalid currency' })
  .transform((value) => value.toLowerCase());

const redirectUrlSchema = z
  .string()
  .max(5000)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), { message: 'Not a valid URL' });

const createParamsSchema = z.strictObject({
  mode: z.literal('payment', { message: 'The emulator supports mode=payment only' }),
  line_items: z
    .array(
      z.strictObject({
        price_data: z.strictObject({
          currency: currencySchema,
          unit_amount: nonNegativeInteger,
          product_data: z.strictObject({
            name: z.string().min(1).max(250),
            description: z.string().max(500).optional(),
          }),
        }),
        quantity: positiveInteger,
      }),
    )
    .min(1)
    .max(100),
  ui_mode: z.enum(['hosted_page', 'embedded_page'], { message: 'The emulator supports ui_mode=hosted_page or embedded_page' }).optional(),
  success_url: redirectUrlSchema.optional(),
  return_url: redirectUrlSchema.optional(),
  cancel_url: redirectUrlSchema.optional(),
  client_reference_id: z.string().min(1).max(200).optional(),
  metadata: metadataSchema.optional(),
  customer_email: z
    .string()
    .max(512)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'Invalid email address' })
    .optional(),
  expires_at: integerString.optional(),
  payment_method_types: z.array(z.literal('card', { message: 'The emulator supports card payments only' })).optional(),
  payment_intent_data: z
    .strictObject({
      metadata: metadataSchema.optional(),
      description: z.string().max(1000).optional(),
      transfer_data: transferDataSchema.optional(),
      application_fee_amount: nonNegativeInteger.optional(),
    })
    .optional(),
  expand: expandSchema.optional(),
});

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional() });

const listLineItemsParamsSchema = z.strictObject({
  limit: positiveInteger.refine((n) => n <= 100, { message: 'This value must be less than or equal to 100.' }).optional(),
  starting_after: z.string().optional(),
  expand: expandSchema.optional(),
});

export function createCheckoutSessionRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  const sessionId = (call: ApiCall) => call.pathParams.id ?? '';

  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      const uiMode = params.ui_mode ?? 'hosted_page';
      checkRedirectParams(uiMode, params);
      const session = createCheckoutSession(context, {
        uiMode,
        lineItems: params.line_items.map((item) => ({
          currency: item.price_data.currency,
          unitAmount: item.price_data.unit_amount,
          quantity: item.quantity,
          productName: item.price_data.product_data.name,
        })),
        successUrl: params.success_url ?? null,
        cancelUrl: params.cancel_url ?? null,
        returnUrl: params.return_url ?? null,
        clientReferenceId: params.client_reference_id ?? null,
        customerEmail: params.customer_email ?? null,
        metadata: params.metadata ?? {},
        expiresAt: params.expires_at ?? null,
        paymentIntentData: {
          metadata: params.payment_intent_data?.metadata ?? {},
          description: params.payment_intent_data?.description ?? null,
          destination: resolveDestination(context, {
            destination: params.payment_intent_data?.transfer_data?.destination,
            applicationFeeAmount: params.payment_intent_data?.application_fee_amount,
            amount: params.line_items.reduce((sum, item) => sum + item.price_data.unit_amount * item.quantity, 0),
            paramPrefix: 'payment_intent_data',
          }),
        },
      });
      return expandCheckoutSession(session, params.expand ?? [], context.store);
    }),
  );

  // Newest first, `limit` and `starting_after` only (what a permission probe and a script need).
  router.get(
    '/',
    apiRoute((call) => listNewestFirst(context.store.sessions.values(), call.params, '/v1/checkout/sessions', 'checkout session')),
  );

  router.get(
    '/:id',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      return expandCheckoutSession(findCheckoutSession(context, sessionId(call)), params.expand ?? [], context.store);
    }),
  );

  router.get(
    '/:id/line_items',
    apiRoute((call) => {
      const params = parseParams(listLineItemsParamsSchema, call.params);
      const session = findCheckoutSession(context, sessionId(call));
      return listLineItems(session.id, context.store, { limit: params.limit ?? 10, startingAfter: params.starting_after });
    }),
  );

  router.post(
    '/:id/expire',
    apiRoute((call) => {
      const params = parseParams(retrieveParamsSchema, call.params);
      return expandCheckoutSession(expireCheckoutSession(context, sessionId(call), call.request), params.expand ?? [], context.store);
    }),
  );

  return router;
}

/** Hosted sessions redirect to success_url; embedded ones to return_url. Stripe refuses the mix. */
function checkRedirectParams(
  uiMode: 'hosted_page' | 'embedded_page',
  params: { success_url?: string; cancel_url?: string; return_url?: string },
): void {
  if (uiMode === 'hosted_page') {
    if (!params.success_url) throw missingParam('success_url');
    if (params.return_url)
      throw invalidRequest(
        '`return_url` can only be used with `ui_mode: embedded_page`; use `success_url` for a hosted page.',
        'return_url',
      );
    return;
  }
  if (!params.return_url)
    throw invalidRequest('`return_url` is required when `ui_mode` is `embedded_page`.', 'return_url', 'parameter_missing');
  for (const param of ['success_url', 'cancel_url'] as const) {
    if (params[param]) throw invalidRequest(`\`${param}\` cannot be used with \`ui_mode: embedded_page\`: use \`return_url\`.`, param);
  }
}
