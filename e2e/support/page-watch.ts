// Watches a browser context for the whole test and then fails it for any CSP violation,
// a Permissions-Policy error or violation, cross-origin isolation on our pages, an uncaught
// script error, or a typed card number that reached our server, its database files or its log.
import { expect, type BrowserContext, type Request } from '@playwright/test';
import type { RunningApp } from './app-process';
import { findCardNumbers, findCardNumbersInFiles } from './card-leaks';

interface Report {
  kind: 'csp' | 'isolation';
  origin: string;
  detail: string;
  crossOriginIsolated?: boolean;
}

declare global {
  interface Window {
    __e2eReport?: (report: Report) => Promise<void>;
  }
}

const CSP_CONSOLE_MESSAGE = /content[- ]security[- ]policy|refused to (load|execute|apply|connect|frame|evaluate|run)/i;
// "Error with Permissions-Policy header: Unrecognized feature: '…'" (a name this Chromium does
// not know, server/src/security/headers.ts) and "permissions policy violation" (a feature denied
// to a page or frame that tried to use it).
const PERMISSIONS_POLICY_CONSOLE_MESSAGE = /permissions[- ]policy/i;

export interface ContextWatcher {
  /**
   * `expectedCspViolations`: only for the tests that prove a wrong policy blocks Stripe. Each
   * pattern must match at least one violation, and only violations it matches are tolerated.
   */
  expectClean(options: {
    typedCardNumbers: ReadonlySet<string>;
    passed: boolean;
    expectedCspViolations?: readonly RegExp[];
    /** False for a test that takes no card (the seller sign-in): then none must have been typed. */
    paysByCard?: boolean;
  }): Promise<void>;
}

export async function watchContext(context: BrowserContext, app: RunningApp): Promise<ContextWatcher> {
  const reports: Report[] = [];
  const consoleViolations: string[] = [];
  const permissionsPolicyMessages: string[] = [];
  const scriptErrors: string[] = [];
  const ourRequests: Request[] = [];
  // Every page counts against the emulator; against real Stripe only our own pages do
  // (Stripe's pages and their report-only policies are not ours to fix).
  const counts = (url: string) => app.mode === 'emulated' || !URL.canParse(url) || new URL(url).origin === app.baseURL;

  // A binding survives navigations, unlike anything kept in the page's own globals.
  await context.exposeBinding('__e2eReport', (_source, report: Report) => {
    reports.push(report);
  });
  await context.addInitScript(() => {
    const send = (report: Report) => void window.__e2eReport?.(report);
    document.addEventListener(
      'securitypolicyviolation',
      (event) =>
        send({
          kind: 'csp',
          origin: location.origin,
          detail: `${event.disposition}: ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} on ${event.documentURI} (${event.sourceFile}:${event.lineNumber})`,
        }),
      true,
    );
    const sendIsolation = () =>
      send({ kind: 'isolation', origin: location.origin, detail: location.href, crossOriginIsolated: self.crossOriginIsolated });
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', sendIsolation);
    else sendIsolation();
  });
  context.on('console', (message) => {
    const url = message.location().url;
    if (CSP_CONSOLE_MESSAGE.test(message.text()) && counts(url)) consoleViolations.push(`${message.type()}: ${message.text()} (${url})`);
    if (PERMISSIONS_POLICY_CONSOLE_MESSAGE.test(message.text()) && counts(url))
      permissionsPolicyMessages.push(`${message.type()}: ${message.text()} (${url})`);
  });
  context.on('weberror', (error) => {
    const url = error.page()?.url() ?? '';
    if (counts(url)) scriptErrors.push(`${String(error.error())} (${url})`);
  });
  context.on('request', (request) => {
    if (new URL(request.url()).origin === app.baseURL) ourRequests.push(request);
  });

  return {
    async expectClean({ typedCardNumbers, passed, expectedCspViolations = [], paysByCard = true }) {
      const expected = (detail: string) => expectedCspViolations.some((pattern) => pattern.test(detail));
      const reportedViolations = () => reports.filter((r) => r.kind === 'csp' && counts(r.origin)).map((r) => r.detail);
      // An expected violation is awaited, not sampled: the page reports it through a binding,
      // which can arrive after what the test waited for (the console's "Refused to frame").
      for (const pattern of expectedCspViolations) {
        await expect
          .configure({ soft: true })
          .poll(() => reportedViolations().some((detail) => pattern.test(detail)), {
            message: `an expected CSP violation matching ${String(pattern)}`,
            timeout: 5_000,
          })
          .toBe(true);
      }
      const violations = reportedViolations();
      // Soft assertions: a failing test reports every problem at once.
      expect
        .soft(
          violations.filter((detail) => !expected(detail)),
          'securitypolicyviolation events',
        )
        .toEqual([]);
      expect
        .soft(
          consoleViolations.filter((message) => !expected(message)),
          'CSP messages on the console',
        )
        .toEqual([]);
      expect.soft(permissionsPolicyMessages, 'Permissions-Policy messages on the console').toEqual([]);
      expect.soft(scriptErrors, 'uncaught script errors').toEqual([]);

      // Stripe does not support cross-origin isolation (COEP), so our pages must not have it.
      const ourPages = reports.filter((r) => r.kind === 'isolation' && r.origin === app.baseURL);
      expect
        .soft(
          ourPages.filter((r) => r.crossOriginIsolated !== false).map((r) => r.detail),
          'pages with crossOriginIsolated !== false',
        )
        .toEqual([]);
      if (passed) {
        // A passing test must have exercised what these checks look at.
        expect.soft(ourPages.length, 'pages of ours that were loaded').toBeGreaterThan(0);
        // A blocked Stripe iframe has no field to type into.
        if (!paysByCard) expect.soft(typedCardNumbers.size, 'card numbers typed in a test that pays by no card').toBe(0);
        else if (expectedCspViolations.length === 0)
          expect.soft(typedCardNumbers.size, 'card numbers typed in this test').toBeGreaterThan(0);
        expect.soft(ourRequests.length, 'requests to our server').toBeGreaterThan(0);
      }

      // Card numbers go to Stripe only: never in a URL, header or body sent to us.
      const leaks: string[] = [];
      for (const request of ourRequests) {
        const seen = [request.url(), JSON.stringify(await request.allHeaders()), request.postDataBuffer()?.toString('latin1') ?? ''].join(
          '\n',
        );
        for (const pan of findCardNumbers(seen, typedCardNumbers)) leaks.push(`${request.method()} ${request.url()} carried ${pan}`);
      }
      expect.soft(leaks, 'requests to our server carrying a typed card number').toEqual([]);
      const cspReports = ourRequests.map((r) => new URL(r.url()).pathname).filter((p) => p.startsWith('/csp-report'));
      if (expectedCspViolations.length === 0) expect.soft(cspReports, 'CSP reports sent to us').toEqual([]);

      // The whole log, startup banner included: no line of ours may carry a card number.
      const files = [app.databaseFile, `${app.databaseFile}-wal`, `${app.databaseFile}-shm`, app.logFile];
      expect
        .soft(await findCardNumbersInFiles(files, typedCardNumbers), 'typed card numbers in the database files or server logs')
        .toEqual({});
    },
  };
}
