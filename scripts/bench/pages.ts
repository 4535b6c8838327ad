// Pages: GET /payment (a page with Stripe.js, the strictest CSP) from the app and from bare
// node:https sending the same bytes with a fresh nonce per answer (baselines/pages.ts).
import { launchApp } from '../../test-support/app-launcher';
import { captureAnswer } from './app-sample';
import { startBaseline } from './baseline-process';
import type { BenchPath } from './context';
import { compareSides } from './measure';
import { loadFigure, ratioOf } from './report';

export const PAGE_PATH = '/payment';
const GOAL_RATIO = 0.85;

export const benchPages: BenchPath = async ({ settings, certificate, log, profileArgs }) => {
  log(`pages: GET ${PAGE_PATH}, ${settings.connections} connections`);
  const app = await launchApp({ clientDistDir: settings.clientDir, ca: certificate.ca, nodeArgs: profileArgs('app') });
  try {
    const answer = await captureAnswer(app.url, certificate.ca, { method: 'GET', path: PAGE_PATH });
    const baseline = await startBaseline('pages', {
      ...certificate,
      env: { BASELINE_PATH: PAGE_PATH, BASELINE_ANSWER: JSON.stringify(answer) },
    });
    try {
      const load = {
        ca: certificate.ca,
        connections: settings.connections,
        requests: [{ name: `GET ${PAGE_PATH}`, method: 'GET' as const, path: PAGE_PATH }],
      };
      const results = await compareSides(settings, [
        { name: 'app', server: { pids: [app.pid], url: app.url }, load },
        { name: 'baseline', server: { pids: [baseline.pid], url: baseline.url }, load },
      ]);
      const appFigure = loadFigure(results.app, 'req/s');
      const baselineFigure = loadFigure(results.baseline, 'req/s');
      const ratio = ratioOf(appFigure, baselineFigure);
      return [
        {
          section: 'pages',
          path: `\`GET ${PAGE_PATH}\`, ${settings.connections} connections`,
          app: appFigure,
          baseline: baselineFigure,
          ratio,
          goal: `≥ ${GOAL_RATIO}×`,
          met: ratio !== null && ratio >= GOAL_RATIO,
          failures: results.app.failures + results.baseline.failures,
        },
      ];
    } finally {
      await baseline.stop();
    }
  } finally {
    await app.stop();
    app.remove();
  }
};
