// The scripts the emulator serves to browsers (the Stripe.js stand-in and its frames), written
// in TypeScript under browser/ and compiled by browser-scripts-compiler.ts. The origins are
// passed in at serve time, once the port is known.
import type { PublicOrigins } from '../context';

export interface BrowserScripts {
  /** `/endive/stripe.js` on the js origin. */
  stripeJs: string;
  /** The Payment Element frame's script. */
  paymentFrame: string;
  /** Posts the end of a framed step to the embedding page. */
  notifyParent: string;
  /** `/v1.0/connect.js` on the Connect origin. */
  connectJs: string;
  /** The embedded components' frame script. */
  connectFrame: string;
}

/** The compiled script with the origins it talks to, in a closure (no global but `Stripe`). */
export function withOrigins(code: string, origins: PublicOrigins): string {
  return `(function (STRIPE_EMULATOR_ORIGINS) {\n${code}\n})(${JSON.stringify(origins)});\n`;
}
