// Which Chromium the end-to-end suite and `npm run audit` drive, and how it is launched.
//
// Order of preference:
//   1. CHROMIUM_PATH, e.g. `CHROMIUM_PATH=/opt/chrome/chrome npm run test:e2e`
//   2. Debian's package: /usr/bin/chromium, then /usr/bin/chromium-browser
//   3. Playwright's own download (`npx playwright install chromium`), when it is on disk
// Debian's build is the default so CI needs only `apt-get install chromium`, no download.
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Flags for a quiet, deterministic headless run as root in a container: no sandbox (root
 * cannot use it), no GPU, no QUIC, and no background traffic that could reach the network.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Deliver Reporting API reports (our CSP's report-to) in under a second instead of about a
  // minute, so a test can see a violation reach the app's report store.
  '--short-reporting-delay',
];

export function findChromium(env: Record<string, string | undefined> = process.env): string {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(`CHROMIUM_PATH is ${fromEnv}, but no file is there. Point it at a Chromium or Chrome executable, or unset it.`);
    return fromEnv;
  }
  const system = SYSTEM_CHROMIUMS.find((candidate) => existsSync(candidate));
  if (system) return system;
  const bundled = playwrightChromium();
  if (bundled) return bundled;
  throw new Error(
    [
      'No Chromium found for the end-to-end tests. Do one of:',
      '  - apt-get install chromium            (Debian/Ubuntu; what CI does)',
      "  - npx playwright install chromium     (Playwright's own build)",
      '  - CHROMIUM_PATH=/path/to/chrome npm run test:e2e',
      `Looked at: ${[...SYSTEM_CHROMIUMS, "Playwright's download folder"].join(', ')}.`,
    ].join('\n'),
  );
}

function playwrightChromium(): string | undefined {
  try {
    const candidate = chromium.executablePath();
    return candidate && existsSync(candidate) ? candidate : undefined;
  } catch {
    return undefined;
  }
}
