// /v1/payment_intents. Create with the secret key; retrieve with the
// secret key, or with the publishable key and the client secret (Stripe.js); confirm from
// Stripe.js (publishable key + client secret + the card) or from a server (secret key + a test
// PaymentMethod, `pm_card_visa`): https://docs.stripe.com/api/payment_intents
import { Router } from 'express';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { invalidRequest } from '../errors';
import { expandPaymentIntent } from '../expand';
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
import {
  confirmPaymentIntentFromBrowser,
  confirmPaymentIntentFromServer,
  createPaymentIntent,
  findPaymentIntent,
  findPaymentIntentForBrowser,
  toBrowserPaymentIntent,
} from '../../state/payment-intents';

const createParamsSchema = z.strictObject({
  amount: positiveInteger,
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, { message: 'Invalid currency' })
    .transform((value) => value.toLowerCase()),
  automatic_payment_methods: z
    .strictObject({
      enabled: z.enum(['true', 'false']).transform((value) => value === 'true'),
      allow_redirects: z.enum(['always', 'never']).optional(),
    })
    .optional(),
  metadata: metadataSchema.optional(),
  description: z.string().max(1000).optional(),
  receipt_email: z.string().max(512).optional(),
  transfer_data: transferDataSchema.optional(),
  application_fee_amount: nonNegativeInteger.optional(),
  expand: expandSchema.optional(),
});

const retrieveParamsSchema = z.strictObject({ expand: expandSchema.optional(), client_secret: z.string().optional() });

const confirmParamsSchema = z.strictObject({
  client_secret: z.string().min(1),
  return_url: z
    .string()
    .max(5000)
    .refine((value) => URL.canParse(value), { message: 'Not a valid URL' })
    .optional(),
  payment_method_data: z.strictObject({
    type: z.literal('card', { message: 'The emulator supports card payments only' }),
    card: z.strictObject({
      number: z.string().max(30),
      exp_month: integerString,
      exp_year: integerString,
      cvc: z.string().max(8),
    }),
    billing_details: z.strictObject({ address: z.strictObject({ postal_code: z.string().max(20).optional() }).optional() }).optional(),
  }),
});

// A server confirms with a PaymentMethod; Stripe refuses card numbers from a secret key.
const serverConfirmParamsSchema = z.strictObject({
  payment_method: z.string().min(1),
  return_url: confirmParamsSchema.shape.return_url,
  expand: expandSchema.optional(),
});

/** Stripe's answer to card numbers sent with a secret key (raw card data APIs are off by default). */
const RAW_CARD_DATA_MESSAGE =
  'Sending credit card numbers directly to the Stripe API is generally unsafe. We suggest you use test tokens that map to the test card you are using, see https://docs.stripe.com/testing.';

export function createPaymentIntentRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();
  router.post(
    '/',
    apiRoute((call) => {
      const params = parseParams(createParamsSchema, call.params);
      const automatic = params.automatic_payment_methods;
      const intent = createPaymentIntent(
        context,
        {
          amount: params.amount,
          currency: params.currency,
          metadata: params.metadata ?? {},
          description: params.description ?? null,
          receiptEmail: params.receipt_email ?? null,
          automaticPaymentMethods: automatic ? { enabled: automatic.enabled, allow_redirects: automatic.allow_redirects } : null,
          destination: resolveDestination(context, {
            destination: params.transfer_data?.destination,
            applicationFeeAmount: params.application_fee_amount,
            amount: params.amount,
            paramPrefix: '',
          }),
        },
        call.request,
      );
      return expandPaymentIntent(intent, params.expand ?? [], context.store);
    }),
  );

  // Newest first, `limit` and `starting_after` only (what a permission probe and a script need).
  router.get(
    '/',
    apiRoute((call) => listNewestFirst(context.store.paymentIntents.values(), call.params, '/v1/payment_intents', 'payment intent')),
  );

  router.get(
    '/:id',
    apiRoute(
      (call) => {
        const params = parseParams(retrieveParamsSchema, call.params);
        const id = call.pathParams.id ?? '';
        if (call.keyKind === 'publishable') {
          if (params.expand?.length) throw invalidRequest('This property cannot be expanded with a publishable key.', 'expand');
          return toBrowserPaymentIntent(findPaymentIntentForBrowser(context, id, params.client_secret));
        }
        return expandPaymentIntent(findPaymentIntent(context, id), params.expand ?? [], context.store);
      },
      { keys: 'either' },
    ),
  );

  router.post(
    '/:id/confirm',
    apiRoute(
      (call) => {
        const id = call.pathParams.id ?? '';
        if (call.keyKind === 'secret') {
          if (typeof call.params === 'object' && call.params !== null && 'payment_method_data' in call.params)
            throw invalidRequest(RAW_CARD_DATA_MESSAGE, 'payment_method_data[card][number]');
          const params = parseParams(serverConfirmParamsSchema, call.params);
          const confirmed = confirmPaymentIntentFromServer(
            context,
            findPaymentIntent(context, id),
            params.payment_method,
            params.return_url ?? null,
          );
          return expandPaymentIntent(confirmed, params.expand ?? [], context.store);
        }
        const params = parseParams(confirmParamsSchema, call.params);
        const intent = findPaymentIntentForBrowser(context, id, params.client_secret);
        const card = params.payment_method_data.card;
        return confirmPaymentIntentFromBrowser(
          context,
          intent,
          {
            number: card.number,
            expMonth: card.exp_month,
            expYear: card.exp_year,
            cvc: card.cvc,
            postalCode: params.payment_method_data.billing_details?.address?.postal_code ?? null,
          },
          params.return_url ?? null,
        );
      },
      { keys: 'either' },
    ),
  );
  return router;
}
