// A card number sent to our server where it does not belong: in a request path (the log line
// records it) and in a CSP violation report (stored for the monitor), as a skimmer's blocked
// request or a careless client would send it.
import { randomInt } from 'node:crypto';
import { readCspReportsSince } from '../../../server/src/store/csp-report-store';
import type { LabAttack } from '../attack';
import { logOffset, logSince, request, type LabTarget } from '../target';

/** A fresh Luhn-valid 16-digit Visa-range number per run, so evidence of an earlier run never counts. */
export function freshCardNumber(): string {
  const digits = [4, ...Array.from({ length: 14 }, () => randomInt(10))];
  // The check digit: doubling every second digit from the right, counting the check digit as the first.
  const sum = digits
    .slice()
    .reverse()
    .reduce((total, digit, index) => total + (index % 2 === 0 ? (digit * 2 > 9 ? digit * 2 - 9 : digit * 2) : digit), 0);
  return [...digits, (10 - (sum % 10)) % 10].join('');
}

export const panLeak: LabAttack = {
  name: 'pan-leak',
  summary: 'Send a card number in a request path and in a CSP report, then look for it in the log and the database.',
  why: 'A stored or logged card number brings the system into PCI DSS scope and must be unreadable wherever it is kept (PCI DSS 4.0 req. 3.4, 3.5 and 10.3; https://docs.stripe.com/security/guide#validating-pci-compliance).',
  cases: [
    {
      label: 'card number in log and DB',
      control: 'pan-guard',
      async run(target: LabTarget) {
        const pan = freshCardNumber();
        const since = Math.floor(Date.now() / 1000) - 1;
        const from = logOffset(target);
        const lookup = await request(target, 'GET', `/api/orders/${pan}`);
        const report = await request(target, 'POST', '/csp-reports', {
          body: JSON.stringify({
            'csp-report': {
              'document-uri': `${target.url}/payment/${pan}`,
              'violated-directive': 'script-src-elem',
              'blocked-uri': 'inline',
            },
          }),
          headers: { 'content-type': 'application/csp-report' },
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        const inLog = logSince(target, from).includes(pan);
        const rows = await readCspReportsSince({ engine: 'sqlite', file: target.sqliteFile }, since);
        const inDatabase = rows.some((row) => row.documentUrl.includes(pan));
        return {
          succeeded: inLog || inDatabase,
          observed: [
            `GET /api/orders/${pan}: ${lookup.status}; POST /csp-reports with it in the page URL: ${report.status}`,
            `in the log: ${inLog ? 'the full number' : 'masked (or absent)'}; in csp_reports: ${inDatabase ? 'the full number' : 'masked'}`,
          ],
        };
      },
    },
  ],
};
