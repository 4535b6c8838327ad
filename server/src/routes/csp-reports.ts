// POST /csp-reports: violation reports in both formats browsers send.
// - report-uri (CSP2): `application/csp-report`, `{ "csp-report": { ... } }`
// - report-to (Reporting API): `application/reports+json`, `[{ type: "csp-violation", body: { ... } }]`
// Small bodies only, rate-limited, logged as a summary (a report can carry page URLs and
// script samples, which the logger's scrubbing pass also covers) and stored, deduplicated,
// for the payment-page monitor (store/csp-report-store.ts), which counts each client's new
// reports against a quota so that one client cannot flood the others' out.
import express from 'express';
import type { Router } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AppError } from '../errors';
import { rateLimitClientKey } from '../security/rate-limit';
import type { CspReportStore, CspViolationReport } from '../store/csp-report-store';

const LegacyReportSchema = z.object({
  'csp-report': z.object({
    'document-uri': z.string().max(2048).optional(),
    'violated-directive': z.string().max(512).optional(),
    'effective-directive': z.string().max(512).optional(),
    'blocked-uri': z.string().max(2048).optional(),
    disposition: z.string().max(32).optional(),
  }),
});

const ReportingApiSchema = z
  .array(
    z.object({
      type: z.string().max(64),
      url: z.string().max(2048).optional(),
      body: z
        .object({
          documentURL: z.string().max(2048).optional(),
          effectiveDirective: z.string().max(512).optional(),
          blockedURL: z.string().max(2048).optional(),
          disposition: z.string().max(32).optional(),
        })
        .optional(),
    }),
  )
  .max(20);

type CspViolation = CspViolationReport;

function parseViolations(contentType: string, body: unknown): CspViolation[] | undefined {
  if (contentType === 'application/csp-report') {
    const parsed = LegacyReportSchema.safeParse(body);
    if (!parsed.success) return undefined;
    const report = parsed.data['csp-report'];
    return [
      {
        documentUrl: report['document-uri'],
        directive: report['effective-directive'] ?? report['violated-directive'],
        blockedUrl: report['blocked-uri'],
      },
    ];
  }
  const parsed = ReportingApiSchema.safeParse(body);
  if (!parsed.success) return undefined;
  return parsed.data
    .filter((report) => report.type === 'csp-violation')
    .map((report) => ({
      documentUrl: report.body?.documentURL ?? report.url,
      directive: report.body?.effectiveDirective,
      blockedUrl: report.body?.blockedURL,
    }));
}

const REPORT_TYPES = ['application/csp-report', 'application/reports+json'];

export function createCspReportRouter(logger: Logger, reports: CspReportStore): Router {
  const router = express.Router();
  router.post('/', express.json({ type: REPORT_TYPES, limit: '8kb' }), async (req, res) => {
    const contentType = req.is(REPORT_TYPES);
    if (!contentType) {
      throw new AppError(415, 'unsupported_media_type', 'Send CSP reports as application/csp-report or application/reports+json.');
    }
    const violations = parseViolations(contentType, req.body);
    if (!violations) throw new AppError(400, 'invalid_report', 'That is not a CSP violation report.');
    const clientKey = rateLimitClientKey(req);
    let keptOut = 0;
    for (const violation of violations) {
      logger.warn({ cspViolation: violation }, 'CSP violation reported');
      // A card number in a report (an exfiltration attempt, say) is masked in the log line by
      // the logger and in the stored row by the store.
      const outcome = await reports.record(violation, clientKey);
      if (outcome === 'over-quota' || outcome === 'table-full') keptOut += 1;
    }
    // One line per request, not per report (the store counts each for the monitor), naming the
    // client so an operator can block it: the database keeps only a hash of it.
    if (keptOut > 0)
      logger.warn({ client: clientKey, keptOut }, 'CSP reports not stored: over the client quota or the table is full (a report flood)');
    // Still 204: a browser cannot act on an error, and an attacker learns nothing.
    res.status(204).end();
  });
  return router;
}
