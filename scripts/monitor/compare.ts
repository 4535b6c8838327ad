// Compares payment-page snapshots with the approved baseline (PCI DSS 11.6.1): any change
// to a watched header or to the set of scripts and their hashes is reported, as is a script
// whose integrity attribute no longer matches what the server sends.
import type { PageSnapshot } from './page-snapshot';

export type Baseline = Record<string, PageSnapshot>;

export function comparePage(approved: PageSnapshot | undefined, current: PageSnapshot): string[] {
  const page = current.url;
  if (!approved) return [`${page}: no approved baseline for this page`];
  const differences: string[] = [];
  for (const [name, value] of Object.entries(current.headers)) {
    const before = approved.headers[name as keyof PageSnapshot['headers']] ?? null;
    if (before !== value) differences.push(`${page}: header ${name} changed from ${show(before)} to ${show(value)}`);
  }
  const key = (script: PageSnapshot['scripts'][number]) => `${script.url} ${script.sha384}`;
  const before = new Set(approved.scripts.map(key));
  const after = new Set(current.scripts.map(key));
  for (const script of current.scripts) {
    if (!before.has(key(script))) differences.push(`${page}: script not in the baseline: ${key(script)}`);
    if (script.integrity !== null && script.integrity !== script.sha384) {
      differences.push(`${page}: ${script.url} is served with ${script.sha384} but its tag says integrity ${script.integrity}`);
    }
  }
  for (const script of approved.scripts) {
    if (!after.has(key(script))) differences.push(`${page}: baseline script no longer served: ${key(script)}`);
  }
  return differences;
}

function show(value: string | null): string {
  return value === null ? '(absent)' : JSON.stringify(value);
}
