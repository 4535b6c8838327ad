// Where Stripe's browser scripts live on their origins, and so the paths the emulator serves
// its stand-ins at on its own origin:
// - Stripe.js: the path @stripe/stripe-js 10 injects (https://js.stripe.com/endive/stripe.js,
//   release train "endive").
// - Connect.js: the path @stripe/connect-js 3 injects (https://connect-js.stripe.com/v1.0/connect.js).
export const STRIPE_JS_PATH = '/endive/stripe.js';
export const CONNECT_JS_PATH = '/v1.0/connect.js';
