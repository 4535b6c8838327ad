// /v1/account_sessions (create, secret key only): https://docs.stripe.com/api/account_sessions/create
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { booleanString, parseParams } from '../params';
import { createAccountSession } from '../../state/account-sessions';

const accountFeatures = z.strictObject({
  disable_stripe_user_authentication: booleanString.optional(),
  external_account_collection: booleanString.optional(),
});

function component<T extends z.ZodType>(features: T) {
  return z.strictObject({ enabled: booleanString, features: features.optional() }).optional();
}

// The components the Connect.js stand-in renders; another is refused as an unknown parameter.
const createParamsSchema = z.strictObject({
  account: z.string().min(1),
  components: z.strictObject({
    account_onboarding: component(accountFeatures),
    account_management: component(accountFeatures),
    notification_banner: component(accountFeatures),
    payments: component(
      z.strictObject({
        capture_payments: booleanString.optional(),
        destination_on_behalf_of_charge_management: booleanString.optional(),
        dispute_management: booleanString.optional(),
        refund_management: booleanString.optional(),
      }),
    ),
    payouts: component(
      accountFeatures.extend({
        edit_payout_schedule: booleanString.optional(),
        instant_payouts: booleanString.optional(),
        standard_payouts: booleanString.optional(),
      }),
    ),
  }),
  expand: z.array(z.string()).max(0).optional(),
});

export function createAccountSessionRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      const components = Object.fromEntries(
        Object.entries(params.components).map(([name, settings]) => [
          name,
          { enabled: settings.enabled, features: dropUndefined(settings.features ?? {}) },
        ]),
      );
      return createAccountSession(context, params.account, components);
    }),
  );
  return router;
}

function dropUndefined(features: Record<string, boolean | undefined>): Record<string, boolean> {
  return Object.fromEntries(Object.entries(features).filter((entry): entry is [string, boolean] => entry[1] !== undefined));
}
