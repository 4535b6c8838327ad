// Compiles the emulator's browser scripts (browser/) with esbuild (installed with tsx and vite),
// at startup under tsx. The server build (scripts/build/server.ts) runs this once and puts a
// module returning its output in this module's place, so the built server starts without
// esbuild (a development tool it may not have) and without the second this took at each start.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { BrowserScripts } from './browser-scripts';

const SOURCES: Record<keyof BrowserScripts, string> = {
  stripeJs: 'stripe-js.ts',
  paymentFrame: 'payment-frame.ts',
  notifyParent: 'notify-parent.ts',
  connectJs: 'connect-js.ts',
  connectFrame: 'connect-frame.ts',
};

export async function buildBrowserScripts(): Promise<BrowserScripts> {
  const names = Object.keys(SOURCES) as (keyof BrowserScripts)[];
  const compiled = await Promise.all(names.map((name) => compile(SOURCES[name])));
  return Object.fromEntries(names.map((name, index) => [name, compiled[index] ?? ''])) as unknown as BrowserScripts;
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
