// The scripts the emulator serves to browsers (the Stripe.js stand-in and its frames), written
// in TypeScript under browser/ and bundled once at startup with esbuild (already installed
// with tsx and vite). The origins are passed in at serve time, once the port is known.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
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

const SOURCES: Record<keyof BrowserScripts, string> = {
  stripeJs: 'stripe-js.ts',
  paymentFrame: 'payment-frame.ts',
  notifyParent: 'notify-parent.ts',
  connectJs: 'connect-js.ts',
  connectFrame: 'connect-frame.ts',
};

export async function buildBrowserScripts(): Promise<BrowserScripts> {
  const [stripeJs, paymentFrame, notifyParent, connectJs, connectFrame] = await Promise.all(
    [SOURCES.stripeJs, SOURCES.paymentFrame, SOURCES.notifyParent, SOURCES.connectJs, SOURCES.connectFrame].map(compile),
  );
  return {
    stripeJs: stripeJs ?? '',
    paymentFrame: paymentFrame ?? '',
    notifyParent: notifyParent ?? '',
    connectJs: connectJs ?? '',
    connectFrame: connectFrame ?? '',
  };
}

// Bundled, so a frame can share pure helpers with the server side (test-cards.ts's Luhn check).
async function compile(file: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../browser/${file}`, import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    logLevel: 'silent',
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${file}`);
  return output.text;
}

/** The compiled script with the origins it talks to, in a closure (no global but `Stripe`). */
export function withOrigins(code: string, origins: PublicOrigins): string {
  return `(function (STRIPE_EMULATOR_ORIGINS) {\n${code}\n})(${JSON.stringify(origins)});\n`;
}
