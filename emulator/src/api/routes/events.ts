// /v1/events: https://docs.stripe.com/api/events/list (newest first, cursor pagination).
import { Router } from 'express';
import type Stripe from 'stripe';
import { z } from 'zod';
import type { createApiRoute } from '../api-route';
import type { EmulatorContext } from '../../context';
import { resourceMissing } from '../errors';
import type { EmulatorEvent } from '../../objects/event';
import { integerString, parseParams, positiveInteger } from '../params';

const rangeSchema = z.union([
  integerString,
  z.strictObject({
    gt: integerString.optional(),
    gte: integerString.optional(),
    lt: integerString.optional(),
    lte: integerString.optional(),
  }),
]);

const listParamsSchema = z.strictObject({
  limit: positiveInteger.refine((n) => n <= 100, { message: 'This value must be less than or equal to 100.' }).optional(),
  starting_after: z.string().min(1).optional(),
  ending_before: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  types: z.array(z.string().min(1)).max(20).optional(),
  created: rangeSchema.optional(),
  expand: z.array(z.string()).max(0, { message: 'Events cannot be expanded' }).optional(),
});

export function createEventRoutes(context: EmulatorContext, apiRoute: ReturnType<typeof createApiRoute>): Router {
  const router = Router();

  router.get(
    '/',
    apiRoute((call) => {
      const params = parseParams(listParamsSchema, call.params);
      const newestFirst = [...context.store.events].reverse().filter((event) => matchesFilters(event, params));
      const limit = params.limit ?? 10;
      let page: EmulatorEvent[];
      let hasMore: boolean;
      if (params.starting_after) {
        const start = indexOfCursor(newestFirst, params.starting_after, 'starting_after', context) + 1;
        page = newestFirst.slice(start, start + limit);
        hasMore = start + limit < newestFirst.length;
      } else if (params.ending_before) {
        const end = indexOfCursor(newestFirst, params.ending_before, 'ending_before', context);
        page = newestFirst.slice(Math.max(0, end - limit), end);
        hasMore = end - limit > 0;
      } else {
        page = newestFirst.slice(0, limit);
        hasMore = limit < newestFirst.length;
      }
      const list: Stripe.ApiList<EmulatorEvent> = {
        object: 'list',
        data: page.map((event) => context.store.presentEvent(event)),
        has_more: hasMore,
        url: '/v1/events',
      };
      return list;
    }),
  );

  router.get(
    '/:id',
    apiRoute((call) => {
      parseParams(z.strictObject({ expand: z.array(z.string()).max(0).optional() }), call.params);
      const id = call.pathParams.id ?? '';
      const event = context.store.findEvent(id);
      if (!event) throw resourceMissing('event', id);
      return context.store.presentEvent(event);
    }),
  );

  return router;
}

function indexOfCursor(events: readonly EmulatorEvent[], id: string, param: string, context: EmulatorContext): number {
  const index = events.findIndex((event) => event.id === id);
  if (index === -1) {
    // The cursor exists but is filtered out, or does not exist at all.
    if (context.store.findEvent(id)) return events.length;
    throw resourceMissing('event', id, param);
  }
  return index;
}

function matchesFilters(event: EmulatorEvent, params: z.infer<typeof listParamsSchema>): boolean {
  if (params.type && !matchesType(event.type, params.type)) return false;
  if (params.types && !params.types.some((type) => matchesType(event.type, type))) return false;
  const created = params.created;
  if (typeof created === 'number') return event.created === created;
  if (created) {
    if (created.gt !== undefined && !(event.created > created.gt)) return false;
    if (created.gte !== undefined && !(event.created >= created.gte)) return false;
    if (created.lt !== undefined && !(event.created < created.lt)) return false;
    if (created.lte !== undefined && !(event.created <= created.lte)) return false;
  }
  return true;
}

/** `type` accepts a trailing wildcard, as Stripe's does: `checkout.session.*`. */
function matchesType(type: string, pattern: string): boolean {
  return pattern.endsWith('.*') ? type.startsWith(pattern.slice(0, -1)) : type === pattern;
}
