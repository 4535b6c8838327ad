// Which scripts a page really loads, seen from a headless Chromium visit: every response
// of resource type "script", with its SHA-384, and whether it came from the page's origin.
// This is what PCI DSS 6.4.3 asks a merchant to inventory, measured rather than declared.
import { createHash } from 'node:crypto';
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from '../../test-support/browser';
import { routeStripeToEmulator } from '../../test-support/stripe-routing';

export interface LoadedScript {
  page: string;
  url: string;
  sha384: string | null;
  firstParty: boolean;
}

export interface VisitOptions {
  ignoreHttpsErrors: boolean;
  /** Serve Stripe's origins from this emulator origin (for an app in emulated mode). */
  stripeEmulatorOrigin?: string;
}

export async function collectLoadedScripts(pageUrls: URL[], options: VisitOptions): Promise<LoadedScript[]> {
  const browser = await chromium.launch({ executablePath: findChromium(), args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: options.ignoreHttpsErrors });
    if (options.stripeEmulatorOrigin) await routeStripeToEmulator(context, options.stripeEmulatorOrigin);
    const scripts: LoadedScript[] = [];
    for (const pageUrl of pageUrls) {
      const page = await context.newPage();
      const pending: Promise<void>[] = [];
      page.on('response', (response) => {
        if (response.request().resourceType() !== 'script') return;
        pending.push(
          response.body().then(
            (body) => void scripts.push(describe(pageUrl, response.url(), body)),
            () => void scripts.push(describe(pageUrl, response.url(), null)),
          ),
        );
      });
      await page.goto(pageUrl.href, { waitUntil: 'networkidle' });
      await Promise.all(pending);
      await page.close();
    }
    return scripts;
  } finally {
    await browser.close();
  }
}

function describe(pageUrl: URL, scriptUrl: string, body: Buffer | null): LoadedScript {
  return {
    page: pageUrl.pathname,
    url: scriptUrl,
    sha384: body ? `sha384-${createHash('sha384').update(body).digest('base64')}` : null,
    firstParty: new URL(scriptUrl).origin === pageUrl.origin,
  };
}
