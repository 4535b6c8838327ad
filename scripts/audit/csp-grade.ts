// Grades a Content-Security-Policy with Google's CSP Evaluator (the library behind
// csp-evaluator.withgoogle.com). The audit accepts only findings at INFO or below: the
// fallbacks for old browsers ('unsafe-inline', https: next to a nonce and 'strict-dynamic')
// are reported as ignored by CSP3 browsers, which is what they are there for.
import { CspEvaluator } from 'csp_evaluator/dist/evaluator.js';
import { Severity } from 'csp_evaluator/dist/finding.js';
import { CspParser } from 'csp_evaluator/dist/parser.js';

export interface CspFinding {
  severity: keyof typeof Severity;
  directive: string;
  value: string | undefined;
  description: string;
}

export function evaluateCsp(policy: string): CspFinding[] {
  const findings = new CspEvaluator(new CspParser(policy).csp).evaluate();
  return findings.map((finding) => ({
    severity: severityName(finding.severity),
    directive: finding.directive,
    value: finding.value,
    description: finding.description,
  }));
}

/** Findings worse than INFO: the ones the audit fails on. */
export function seriousCspFindings(findings: CspFinding[]): CspFinding[] {
  return findings.filter((finding) => Severity[finding.severity] < Severity.INFO);
}

function severityName(value: Severity): keyof typeof Severity {
  const name = Severity[value];
  if (name === undefined) throw new Error(`Unknown CSP Evaluator severity ${value}`);
  return name as keyof typeof Severity;
}
