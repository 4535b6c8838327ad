// Grades a page's HTTP headers with the MDN HTTP Observatory's own tests and scoring.
//
// The package's `scan(hostname)` only looks at ports 80/443 and "/", so we call its
// retriever with the ports and path of the page under audit, then run exactly the tests
// and the grader `scan` runs (src/scanner/index.js). Nothing is scored by hand here.
//
// It is installed with scripts off (its postinstall downloads lists), so the HSTS preload
// list it reads is provided empty: a laptop or CI host is never on the preload list, and
// the list only ever adds credit. The retriever trusts Node's CA store, so a locally
// trusted CA must come through NODE_EXTRA_CA_CERTS (the audit CLI sets it).
//
// A seller-only page is fetched with the session cookie, and the cookie test sees the cookie
// as the sign-in answer set it: the retriever only GETs, and that answer is a POST, so its
// Set-Cookie goes into the retrieval's cookie jar (the one the test reads) as a browser's jar
// would hold it. The score can then pass 135: the cookie test's bonus is +5.
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { retrieve } from '@mdn/mdn-http-observatory/src/retriever/retriever.js';
import { ALL_TESTS } from '@mdn/mdn-http-observatory/src/constants.js';
import { getGradeForScore, getScoreModifier } from '@mdn/mdn-http-observatory/src/grader/grader.js';
import { MINIMUM_SCORE_FOR_EXTRA_CREDIT } from '@mdn/mdn-http-observatory/src/grader/charts.js';
import type { SellerSession } from './seller-session';

/** The best score a site can reach without cookies and without being HSTS-preloaded. */
export const OBSERVATORY_TARGET_SCORE = 135;

export interface ObservatoryTest {
  name: string;
  result: string | null;
  pass: boolean;
  scoreModifier: number;
}

export interface ObservatoryResult {
  url: string;
  /** Where the retriever ended up after redirects (a seller page without a session: the sign-in page). */
  finalUrl: string;
  score: number;
  grade: string;
  tests: ObservatoryTest[];
}

// The retriever's own default; options.headers replaces it, so it is repeated with the cookie.
const RETRIEVER_ACCEPT = 'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

export async function runObservatory(pageUrl: URL, httpPort: number | null, session?: SellerSession): Promise<ObservatoryResult> {
  provideEmptyHstsPreloadList();
  const retrieval = await retrieve(pageUrl.hostname, {
    httpsPort: pageUrl.port || '443',
    httpPort: httpPort === null ? '80' : String(httpPort),
    path: `${pageUrl.pathname}${pageUrl.search}`,
    ...(session ? { headers: [RETRIEVER_ACCEPT, `Cookie: ${session.cookie}`] } : {}),
  });
  const response = retrieval.responses.auto;
  if (!response || !retrieval.session) {
    throw new Error(`The Observatory could not fetch ${pageUrl.href}. Is it up, and is its CA trusted (NODE_EXTRA_CA_CERTS)?`);
  }
  if (session) retrieval.session.jar.setCookieSync(session.setCookie, session.answerUrl.href);
  const finalUrl = retrieval.session.redirectHistory.at(-1)?.url.href ?? pageUrl.href;

  const tests = ALL_TESTS.map((test) => {
    const output = test(retrieval);
    const scoreModifier = output.result ? getScoreModifier(output.result) : 0;
    return { name: output.constructor.name, result: output.result, pass: output.pass === true, scoreModifier };
  });
  // The same curve as the Observatory's scan(): bonuses count only once the penalties
  // alone would still leave an A.
  const withBonuses = 100 + tests.reduce((sum, t) => sum + t.scoreModifier, 0);
  const penaltiesOnly = 100 + tests.reduce((sum, t) => sum + Math.min(0, t.scoreModifier), 0);
  const graded = getGradeForScore(penaltiesOnly >= MINIMUM_SCORE_FOR_EXTRA_CREDIT ? withBonuses : penaltiesOnly);
  return { url: pageUrl.href, finalUrl, score: graded.score, grade: graded.grade, tests };
}

function provideEmptyHstsPreloadList(): void {
  const packageJson = createRequire(import.meta.url).resolve('@mdn/mdn-http-observatory/package.json');
  const file = path.join(path.dirname(packageJson), 'conf', 'hsts-preload.json');
  if (!existsSync(file)) writeFileSync(file, '{}\n');
}
