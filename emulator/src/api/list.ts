// Listing stored objects newest first with cursor pagination, as Stripe's list endpoints do
// (https://docs.stripe.com/api/pagination): `limit` (1-100, default 10) and `starting_after`.
import type Stripe from 'stripe';
import { z } from 'zod';
import { resourceMissing } from './errors';
import { parseParams, positiveInteger } from './params';

const listParamsSchema = z.strictObject({
  limit: positiveInteger.refine((n) => n <= 100, { message: 'This value must be less than or equal to 100.' }).optional(),
  starting_after: z.string().min(1).optional(),
});

/** `objects` oldest first (a Map's insertion order); `url` is the list's path, e.g. `/v1/charges`. */
export function listNewestFirst<T extends { id: string }>(
  objects: Iterable<T>,
  params: unknown,
  url: string,
  objectName: string,
): Stripe.ApiList<T> {
  const { limit = 10, starting_after: startingAfter } = parseParams(listParamsSchema, params);
  const newestFirst = [...objects].reverse();
  let start = 0;
  if (startingAfter !== undefined) {
    const index = newestFirst.findIndex((object) => object.id === startingAfter);
    if (index === -1) throw resourceMissing(objectName, startingAfter, 'starting_after');
    start = index + 1;
  }
  return { object: 'list', data: newestFirst.slice(start, start + limit), has_more: start + limit < newestFirst.length, url };
}
