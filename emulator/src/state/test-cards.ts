// Stripe's documented test card numbers and what each one does:
// https://docs.stripe.com/testing#cards and https://docs.stripe.com/testing#declined-payments
// Any other number is refused the way test mode refuses a real card, so a real PAN typed by
// mistake is never "charged", even pretend.

export interface CardProfile {
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | 'diners' | 'jcb' | 'unionpay';
  funding: 'credit' | 'debit' | 'prepaid';
  country: string;
  outcome: CardOutcome;
}

export type CardOutcome =
  | { kind: 'succeeds' }
  /** Succeeds, then the cardholder disputes it (`charge.dispute.created`). */
  | { kind: 'succeeds_then_disputed' }
  /** 3-D Secure: the PaymentIntent needs a challenge before it can succeed. */
  | { kind: 'requires_authentication' }
  | {
      kind: 'declined';
      code: 'card_declined' | 'expired_card' | 'incorrect_cvc' | 'processing_error';
      declineCode: string;
      message: string;
    };

const SUCCEEDS: CardOutcome = { kind: 'succeeds' };

function declined(declineCode: string, message: string): CardOutcome {
  return { kind: 'declined', code: 'card_declined', declineCode, message };
}

const TEST_CARDS: ReadonlyMap<string, CardProfile> = new Map<string, CardProfile>([
  ['4242424242424242', { brand: 'visa', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['4000056655665556', { brand: 'visa', funding: 'debit', country: 'US', outcome: SUCCEEDS }],
  ['5555555555554444', { brand: 'mastercard', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['2223003122003222', { brand: 'mastercard', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['5200828282828210', { brand: 'mastercard', funding: 'debit', country: 'US', outcome: SUCCEEDS }],
  ['5105105105105100', { brand: 'mastercard', funding: 'prepaid', country: 'US', outcome: SUCCEEDS }],
  ['378282246310005', { brand: 'amex', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['6011111111111117', { brand: 'discover', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['3056930009020004', { brand: 'diners', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['3566002020360505', { brand: 'jcb', funding: 'credit', country: 'JP', outcome: SUCCEEDS }],
  ['6200000000000005', { brand: 'unionpay', funding: 'credit', country: 'CN', outcome: SUCCEEDS }],
  ['4000000000000077', { brand: 'visa', funding: 'credit', country: 'US', outcome: SUCCEEDS }],
  ['4000002500003155', { brand: 'visa', funding: 'credit', country: 'IE', outcome: { kind: 'requires_authentication' } }],
  ['4000002760003184', { brand: 'visa', funding: 'credit', country: 'DE', outcome: { kind: 'requires_authentication' } }],
  ['4000000000000259', { brand: 'visa', funding: 'credit', country: 'US', outcome: { kind: 'succeeds_then_disputed' } }],
  [
    '4000000000000002',
    { brand: 'visa', funding: 'credit', country: 'US', outcome: declined('generic_decline', 'Your card was declined.') },
  ],
  [
    '4000000000009995',
    { brand: 'visa', funding: 'credit', country: 'US', outcome: declined('insufficient_funds', 'Your card has insufficient funds.') },
  ],
  ['4000000000009987', { brand: 'visa', funding: 'credit', country: 'US', outcome: declined('lost_card', 'Your card was declined.') }],
  ['4000000000009979', { brand: 'visa', funding: 'credit', country: 'US', outcome: declined('stolen_card', 'Your card was declined.') }],
  [
    '4000000000000069',
    {
      brand: 'visa',
      funding: 'credit',
      country: 'US',
      outcome: { kind: 'declined', code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
    },
  ],
  [
    '4000000000000127',
    {
      brand: 'visa',
      funding: 'credit',
      country: 'US',
      outcome: {
        kind: 'declined',
        code: 'incorrect_cvc',
        declineCode: 'incorrect_cvc',
        message: "Your card's security code is incorrect.",
      },
    },
  ],
  [
    '4000000000000119',
    {
      brand: 'visa',
      funding: 'credit',
      country: 'US',
      outcome: {
        kind: 'declined',
        code: 'processing_error',
        declineCode: 'processing_error',
        message: 'An error occurred while processing your card. Try again in a little bit.',
      },
    },
  ],
]);

/**
 * Stripe's test PaymentMethods, each standing for a test card above: what a server confirms
 * with (`payment_method=pm_card_visa`), since a secret key may not send card numbers.
 * https://docs.stripe.com/testing#cards ("PaymentMethod" column)
 */
const TEST_PAYMENT_METHODS: ReadonlyMap<string, string> = new Map([
  ['pm_card_visa', '4242424242424242'],
  ['pm_card_visa_debit', '4000056655665556'],
  ['pm_card_mastercard', '5555555555554444'],
  ['pm_card_amex', '378282246310005'],
  ['pm_card_authenticationRequired', '4000002760003184'],
  ['pm_card_createDispute', '4000000000000259'],
  ['pm_card_chargeDeclined', '4000000000000002'],
  ['pm_card_chargeDeclinedInsufficientFunds', '4000000000009995'],
  ['pm_card_chargeDeclinedLostCard', '4000000000009987'],
  ['pm_card_chargeDeclinedStolenCard', '4000000000009979'],
  ['pm_card_chargeDeclinedExpiredCard', '4000000000000069'],
  ['pm_card_chargeDeclinedIncorrectCvc', '4000000000000127'],
  ['pm_card_chargeDeclinedProcessingError', '4000000000000119'],
]);

/** The card number a test PaymentMethod stands for, or `undefined` for any other id. */
export function findTestPaymentMethod(id: string): string | undefined {
  return TEST_PAYMENT_METHODS.get(id);
}

/** The Luhn checksum every card number carries: https://en.wikipedia.org/wiki/Luhn_algorithm */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d{12,19}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The profile of a documented test card, or `undefined` for any other number. */
export function findTestCard(digits: string): CardProfile | undefined {
  return TEST_CARDS.get(digits);
}

/** Refusal for a Luhn-valid number that is not a test card (what test mode says to a real card). */
export const NON_TEST_CARD: CardOutcome = declined(
  'test_mode_live_card',
  'Your card was declined. Your request was in test mode, but used a non test card. For a list of valid test cards, visit: https://docs.stripe.com/testing.',
);
