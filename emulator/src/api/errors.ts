// Errors in Stripe's shape, so the SDK raises the same error classes it raises against
// api.stripe.com: https://docs.stripe.com/api/errors
export type StripeErrorType = 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';

export interface StripeErrorBody {
  error: {
    type: StripeErrorType;
    message: string;
    code?: string;
    param?: string;
    decline_code?: string;
    doc_url?: string;
    /** On a declined confirmation: the intent as the caller may see it. */
    payment_intent?: unknown;
  };
}

export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: StripeErrorType,
    message: string,
    readonly details: { code?: string; param?: string; declineCode?: string; paymentIntent?: unknown } = {},
  ) {
    super(message);
    this.name = 'StripeError';
  }

  toBody(): StripeErrorBody {
    const { code, param, declineCode, paymentIntent } = this.details;
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(code ? { code, doc_url: `https://docs.stripe.com/error-codes/${code.replaceAll('_', '-')}` } : {}),
        ...(param ? { param } : {}),
        ...(declineCode ? { decline_code: declineCode } : {}),
        ...(paymentIntent ? { payment_intent: paymentIntent } : {}),
      },
    };
  }
}

export function invalidRequest(message: string, param?: string, code?: string): StripeError {
  return new StripeError(400, 'invalid_request_error', message, { param, code });
}

export function missingParam(param: string): StripeError {
  return invalidRequest(`Missing required param: ${param}.`, param, 'parameter_missing');
}

export function unknownParam(param: string): StripeError {
  return invalidRequest(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
}

export function resourceMissing(objectName: string, id: string, param = 'id'): StripeError {
  return new StripeError(404, 'invalid_request_error', `No such ${objectName}: '${id}'`, {
    code: 'resource_missing',
    param,
  });
}

export function unauthorized(message: string): StripeError {
  return new StripeError(401, 'invalid_request_error', message);
}

/** A valid key that may not make this call (a restricted key without the permission): the SDK raises StripePermissionError. */
export function forbidden(message: string): StripeError {
  return new StripeError(403, 'invalid_request_error', message);
}

export function idempotencyMismatch(key: string): StripeError {
  return new StripeError(
    400,
    'idempotency_error',
    `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
  );
}

/** A card decline: HTTP 402 with `card_error`, as Stripe answers a declined confirmation. */
export function cardDeclined(message: string, declineCode: string, code = 'card_declined'): StripeError {
  return new StripeError(402, 'card_error', message, { code, declineCode });
}
