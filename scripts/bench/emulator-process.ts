// The emulator as a process of its own (`npm run emulator`'s entry point), so its CPU time is
// read apart from the app's, and the app talks to it over HTTPS as it talks to Stripe.
import { findFreePort, waitForHealthy } from '../../test-support/app-health';
import { spawnScript, type ScriptProcess } from '../../test-support/app-launcher';

export interface EmulatorProcess {
  url: string;
  pid: number;
  process: ScriptProcess;
  stop(): Promise<void>;
}

export interface EmulatorProcessOptions {
  ca: string;
  /** The one webhook endpoint it delivers to; none when absent. */
  webhook?: { url: string; secret: string };
}

export async function startEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const port = await findFreePort();
  const url = `https://localhost:${port}`;
  const child = spawnScript({
    script: 'emulator/src/cli.ts',
    env: {
      EMULATOR_PORT: String(port),
      ...(options.webhook ? { EMULATOR_WEBHOOK_URL: options.webhook.url, EMULATOR_WEBHOOK_SECRET: options.webhook.secret } : {}),
    },
  });
  try {
    // The dashboard answers 200 once the emulator listens.
    await waitForHealthy(`${url}/`, { ca: options.ca, hasExited: child.hasExited, output: () => child.tail() });
  } catch (error) {
    await child.kill();
    child.remove();
    throw error;
  }
  return {
    url,
    pid: child.pid,
    process: child,
    stop: async () => {
      await child.stop(10_000);
      child.remove();
    },
  };
}
