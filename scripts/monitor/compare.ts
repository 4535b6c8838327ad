// Compares payment-page snapshots with the approved baseline (PCI DSS 11.6.1): any change to
// a watched header, and any script added, removed or changed (its URL, its hash, any of its
// attributes, or how many times it appears), is reported, as is a script whose integrity
// attribute no longer matches what the server sends.
import type { PageSnapshot, ScriptSnapshot } from './page-snapshot';

export type Baseline = Record<string, PageSnapshot>;

export function comparePage(approved: PageSnapshot | undefined, current: PageSnapshot): string[] {
  const page = current.url;
  if (!approved) return [`${page}: no approved baseline for this page`];
  const differences: string[] = [];
  // Both sides' names: a header the baseline watched and this snapshot lacks is a change too.
  for (const name of new Set([...Object.keys(approved.headers), ...Object.keys(current.headers)])) {
    const before = approved.headers[name] ?? null;
    const after = current.headers[name] ?? null;
    if (before !== after) differences.push(`${page}: header ${name} changed from ${show(before)} to ${show(after)}`);
  }
  // As multisets: a second copy of an approved tag is a change as well.
  const left = countBy(approved.scripts);
  for (const script of current.scripts) {
    const key = describe(script);
    const count = left.get(key) ?? 0;
    if (count > 0) left.set(key, count - 1);
    else differences.push(`${page}: script not in the baseline: ${key}`);
    const integrity = script.attributes.integrity;
    if (integrity !== undefined && script.hash?.startsWith('sha384-') && !integrity.split(/\s+/).includes(script.hash)) {
      differences.push(`${page}: ${script.src ?? script.kind} is served with ${script.hash} but its tag says integrity ${integrity}`);
    }
  }
  for (const [key, count] of left) {
    for (let i = 0; i < count; i += 1) differences.push(`${page}: baseline script no longer served: ${key}`);
  }
  return differences;
}

/** One line per script, with everything compared: `<src or kind> <hash> [<attributes>]`. */
export function describe(script: ScriptSnapshot): string {
  const where = script.src === null ? `inline ${script.kind}` : script.kind === 'script' ? script.src : `${script.src} (${script.kind})`;
  const hash = script.hash ?? '(third party, by URL)';
  const attributes = Object.entries(script.attributes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => (value === '' ? name : `${name}=${JSON.stringify(value)}`))
    .join(' ');
  return `${where} ${hash} [${attributes}]`;
}

function countBy(scripts: ScriptSnapshot[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const script of scripts) counts.set(describe(script), (counts.get(describe(script)) ?? 0) + 1);
  return counts;
}

function show(value: string | null): string {
  return value === null ? '(absent)' : JSON.stringify(value);
}
