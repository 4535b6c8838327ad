// Where Stripe.js lives on its origin: the path @stripe/stripe-js 10 injects
// (https://js.stripe.com/endive/stripe.js, release train "endive"), and so the path the
// emulator serves its stand-in at on its own origin.
export const STRIPE_JS_PATH = '/endive/stripe.js';
