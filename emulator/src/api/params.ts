// Parameter validation with zod, answered the way Stripe answers bad parameters: a 400
// naming the parameter in bracket notation (`line_items[0][quantity]`).
// https://docs.stripe.com/api/errors#errors-param
import { z } from 'zod';
import { invalidRequest, missingParam, unknownParam, type StripeError } from './errors';

/** Form values arrive as strings; integers are validated and converted here. */
export const integerString = z
  .string()
  .regex(/^-?\d{1,15}$/, { message: 'Invalid integer' })
  .transform(Number);

export const nonNegativeInteger = integerString.refine((n) => n >= 0, { message: 'This value must be greater than or equal to 0.' });
export const positiveInteger = integerString.refine((n) => n >= 1, { message: 'This value must be greater than or equal to 1.' });

/** Form booleans arrive as `true` / `false`. */
export const booleanString = z.enum(['true', 'false'], { message: 'Invalid boolean' }).transform((value) => value === 'true');

/** Stripe metadata limits: https://docs.stripe.com/api/metadata */
export const metadataSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= 50, { message: 'Metadata can have at most 50 keys.' });

/** A destination charge's parameters (`transfer_data[destination]`, `application_fee_amount`). */
export const transferDataSchema = z.strictObject({ destination: z.string().min(1).max(255) });

export const expandSchema = z.array(z.string().min(1)).max(20);

export function parseParams<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (result.success) return result.data;
  // Stripe names an unknown parameter before any other problem.
  const issues = result.error.issues;
  throw toStripeError(issues.find((issue) => issue.code === 'unrecognized_keys') ?? issues[0]);
}

function toStripeError(issue: z.core.$ZodIssue | undefined): StripeError {
  if (!issue) return invalidRequest('Invalid request parameters.');
  const param = formatParam(issue.path);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    return unknownParam(param ? `${param}[${key}]` : key);
  }
  if (issue.code === 'invalid_type' && issue.input === undefined) return missingParam(param);
  if (issue.code === 'invalid_value' && issue.input === undefined) return missingParam(param);
  const message = issue.code === 'invalid_type' ? `Invalid ${issue.expected}` : issue.message;
  return invalidRequest(`${message}: ${param}`, param, 'parameter_invalid');
}

/** `['line_items', 0, 'quantity']` -> `line_items[0][quantity]` */
export function formatParam(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (index === 0 ? String(part) : `[${String(part)}]`)).join('');
}
