// /v1/accounts (the platform's connected accounts: create with controller properties, retrieve,
// list): https://docs.stripe.com/api/accounts/create and https://docs.stripe.com/connect/migrate-to-controller-properties
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { listNewestFirst } from '../list';
import { booleanString, metadataSchema, parseParams } from '../params';
import { createConnectedAccount, findConnectedAccount } from '../../state/connected-accounts';

const requestedSchema = z.strictObject({ requested: booleanString });

const createParamsSchema = z.strictObject({
  controller: z
    .strictObject({
      fees: z.strictObject({ payer: z.enum(['account', 'application']) }).optional(),
      losses: z.strictObject({ payments: z.enum(['application', 'stripe']) }).optional(),
      requirement_collection: z.enum(['application', 'stripe']).optional(),
      stripe_dashboard: z.strictObject({ type: z.enum(['express', 'full', 'none']) }).optional(),
    })
    .optional(),
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, { message: 'Invalid country' })
    .transform((value) => value.toUpperCase())
    .optional(),
  default_currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, { message: 'Invalid currency' })
    .transform((value) => value.toLowerCase())
    .optional(),
  email: z
    .string()
    .max(512)
    .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'Invalid email address' })
    .optional(),
  business_profile: z.strictObject({ name: z.string().min(1).max(250).optional() }).optional(),
  capabilities: z.strictObject({ card_payments: requestedSchema.optional(), transfers: requestedSchema.optional() }).optional(),
  metadata: metadataSchema.optional(),
  expand: z.array(z.string()).max(0).optional(),
});

export function createAccountsRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      const controller = params.controller ?? {};
      // Without capabilities the account could never take a destination charge: request both unless told otherwise.
      const capabilities = (['card_payments', 'transfers'] as const).filter((name) => params.capabilities?.[name]?.requested ?? true);
      return createConnectedAccount(context, {
        country: params.country ?? 'US',
        defaultCurrency: params.default_currency ?? 'usd',
        email: params.email ?? null,
        businessName: params.business_profile?.name ?? null,
        // Stripe's defaults for a field left out: https://docs.stripe.com/api/accounts/create#create_account-controller
        controller: {
          feesPayer: controller.fees?.payer ?? 'account',
          lossesPayments: controller.losses?.payments ?? 'stripe',
          requirementCollection: controller.requirement_collection ?? 'stripe',
          dashboard: controller.stripe_dashboard?.type ?? 'full',
        },
        capabilities,
        metadata: params.metadata ?? {},
      });
    }),
  );
  router.get(
    '/',
    apiRoute((call) =>
      listNewestFirst(
        [...context.store.connectedAccounts.values()].map(({ account }) => account),
        call.params,
        '/v1/accounts',
        'account',
      ),
    ),
  );
  router.get(
    '/:id',
    apiRoute((call) => {
      parseParams(z.strictObject({ expand: z.array(z.string()).max(0).optional() }), call.params);
      return findConnectedAccount(context, call.pathParams.id ?? '');
    }),
  );
  return router;
}
