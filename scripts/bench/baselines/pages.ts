// Baseline for pages: GET /payment from bare `node:https`, the same bytes as the app's answer
// (BASELINE_ANSWER, captured from the app) with a fresh nonce in the CSP and the body per
// answer. What the app does on top: Express's router and middleware chain, helmet, the request
// log line, building the CSP per request, the ETag.
import { createReplay, parseCapturedAnswer } from './replay';
import { requireVariable, serveBaseline } from './https-server';

const answer = parseCapturedAnswer(requireVariable('BASELINE_ANSWER'));
const replay = createReplay(answer);
serveBaseline({ method: 'GET', path: requireVariable('BASELINE_PATH') }, (_req, res) => replay(res));
