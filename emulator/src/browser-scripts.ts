// The scripts the emulator serves to browsers (the Stripe.js stand-in and its frames), written
// in TypeScript under browser/ and compiled once at startup with esbuild (already installed
// with tsx and vite). The origins are passed in at serve time, once the port is known.
import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';
import type { PublicOrigins } from './context';

export interface BrowserScripts {
  /** `/endive/stripe.js` on the js origin. */
  stripeJs: string;
  /** The Payment Element frame's script. */
  paymentFrame: string;
  /** Posts the end of a framed step to the embedding page. */
  notifyParent: string;
}

const SOURCES: Record<keyof BrowserScripts, string> = {
  stripeJs: 'stripe-js.ts',
  paymentFrame: 'payment-frame.ts',
  notifyParent: 'notify-parent.ts',
};

export async function buildBrowserScripts(): Promise<BrowserScripts> {
  const [stripeJs, paymentFrame, notifyParent] = await Promise.all([SOURCES.stripeJs, SOURCES.paymentFrame, SOURCES.notifyParent].map(compile));
  return { stripeJs: stripeJs ?? '', paymentFrame: paymentFrame ?? '', notifyParent: notifyParent ?? '' };
}

async function compile(file: string): Promise<string> {
  const source = await readFile(new URL(`./browser/${file}`, import.meta.url), 'utf8');
  const { code } = await transform(source, { loader: 'ts', format: 'iife', target: 'es2020', sourcefile: file });
  return code;
}

/** The compiled script with the origins it talks to, in a closure (no global but `Stripe`). */
export function withOrigins(code: string, origins: PublicOrigins): string {
  return `(function (STRIPE_EMULATOR_ORIGINS) {\n${code}\n})(${JSON.stringify(origins)});\n`;
}
