// One reading of a JSON API body for every route: JSON only (415 otherwise), then the route's
// zod schema, whose first issue becomes the 400's message (with the field it is about).
import type { Request } from 'express';
import type { z } from 'zod';
import { AppError } from '../errors';

export function parseJsonBody<T>(schema: z.ZodType<T, unknown>, req: Request): T {
  if (!req.is('application/json')) {
    throw new AppError(415, 'unsupported_media_type', 'Send the body as JSON with Content-Type: application/json.');
  }
  const result = schema.safeParse(req.body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new AppError(400, 'invalid_request', `${where}${issue?.message ?? 'invalid request'}`);
  }
  return result.data;
}
