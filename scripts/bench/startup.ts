// Startup: from spawning the process to its first GET /healthz 200 (asked every 10 ms), and its
// RSS one second later (the startup reconciliation has run by then). The app starts in its
// default emulated mode, as `npm start` runs it (the in-process emulator included): through tsx,
// and, when `dist/server/main.js` exists, the built server on plain Node. Bare node:https is a
// baselines/ server on the same certificate, bundled and on plain Node. Sides alternate per round.
import path from 'node:path';
import { launchApp } from '../../test-support/app-launcher';
import { readRssBytes } from '../../test-support/load/rss';
import { REPO_ROOT } from '../../test-support/tsx-node';
import { startBaseline } from './baseline-process';
import type { BenchPath } from './context';
import { alternate, median } from './measure';
import { plainFigure, ratioOf, type BenchRow } from './report';

const HEALTH_POLL_MS = 10;
const SETTLE_MS = 1_000;
const GOAL_STARTUP_MS = 700;
const GOAL_RSS_MB = 120;
const MB = 1024 * 1024;

interface Start {
  startupMs: number;
  rssBytes: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

export const benchStartup: BenchPath = async (context) => {
  const { settings, certificate, builtServer } = context;
  const apps = [
    { name: 'tsx', label: 'the app through tsx (`server/src/main.ts`)', entry: undefined },
    ...(builtServer
      ? [{ name: 'built', label: `the built server on node (\`${path.relative(REPO_ROOT, builtServer)}\`)`, entry: builtServer }]
      : []),
  ];
  context.log(`startup: ${apps.map((app) => app.name).join(', ')} and bare node:https, ${settings.rounds} rounds`);
  const results = await alternate<Start>(settings.rounds, [
    ...apps.map((side) => ({
      name: side.name,
      run: async () => {
        const app = await launchApp({
          entry: side.entry,
          clientDistDir: settings.clientDir,
          ca: certificate.ca,
          healthPollMs: HEALTH_POLL_MS,
        });
        try {
          const startupMs = app.startupMs;
          await settle();
          return { startupMs, rssBytes: readRssBytes(app.pid) };
        } finally {
          await app.stop();
          app.remove();
        }
      },
    })),
    {
      name: 'bare',
      run: async () => {
        const emptyAnswer = { status: 200, headers: {}, body: '', nonce: null };
        const baseline = await startBaseline('pages', {
          ...certificate,
          env: { BASELINE_PATH: '/', BASELINE_ANSWER: JSON.stringify(emptyAnswer) },
          healthPollMs: HEALTH_POLL_MS,
        });
        try {
          await settle();
          return { startupMs: baseline.startupMs, rssBytes: readRssBytes(baseline.pid) };
        } finally {
          await baseline.stop();
        }
      },
    },
  ]);
  const medianOf = (name: string, pick: (start: Start) => number) => median((results[name] ?? []).map(pick));
  const bareStartup = plainFigure(Math.round(medianOf('bare', (start) => start.startupMs)), 'ms');
  const bareRss = plainFigure(Math.round(medianOf('bare', (start) => start.rssBytes / MB)), 'MB');
  return apps.flatMap((side): BenchRow[] => {
    const startup = plainFigure(Math.round(medianOf(side.name, (start) => start.startupMs)), 'ms');
    const rss = plainFigure(Math.round(medianOf(side.name, (start) => start.rssBytes / MB)), 'MB');
    return [
      {
        section: 'startup',
        path: `startup to first \`/healthz\` 200: ${side.label}`,
        app: startup,
        baseline: bareStartup,
        ratio: ratioOf(startup, bareStartup),
        goal: `≤ ${GOAL_STARTUP_MS} ms`,
        met: startup.value <= GOAL_STARTUP_MS,
        failures: 0,
      },
      {
        section: 'startup',
        path: `RSS ${SETTLE_MS / 1000} s after startup: ${side.label}`,
        app: rss,
        baseline: bareRss,
        ratio: ratioOf(rss, bareRss),
        goal: `≤ ${GOAL_RSS_MB} MB`,
        met: rss.value <= GOAL_RSS_MB,
        failures: 0,
      },
    ];
  });
};
