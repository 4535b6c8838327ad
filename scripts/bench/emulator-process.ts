// The emulator as a process of its own (`npm run emulator`'s entry point), so its CPU time is
// read apart from the app's, and the app talks to it over HTTPS as it talks to Stripe.
import { startChildServer, type ChildServer } from './child-server';

export type EmulatorProcess = ChildServer;

export interface EmulatorProcessOptions {
  ca: string;
  /** The one webhook endpoint it delivers to; none when absent. */
  webhook?: { url: string; secret: string };
  /** Node arguments (the bench's --cpu-prof). */
  nodeArgs?: readonly string[];
}

export function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  return startChildServer({
    script: 'emulator/src/cli.ts',
    nodeArgs: options.nodeArgs,
    env: (port) => ({
      EMULATOR_PORT: String(port),
      ...(options.webhook ? { EMULATOR_WEBHOOK_URL: options.webhook.url, EMULATOR_WEBHOOK_SECRET: options.webhook.secret } : {}),
    }),
    // The dashboard answers 200 once the emulator listens.
    healthPath: '/',
    ca: options.ca,
    stopTimeoutMs: 10_000,
  });
}
