// The workshop's labs by name: each attack (`npm run attack -- <name>`) and the lab-panel
// switches that decide whether it succeeds. docs/workshop/ has one page per attack, named after
// it, and scripts/test/workshop-docs.test.ts holds the pages to this list.
export const LABS = [
  { attack: 'skimmer', controls: ['csp'] },
  { attack: 'weak-csp', controls: ['csp-strict'] },
  { attack: 'webhook-forgery', controls: ['webhook-signature', 'webhook-dedupe'] },
  { attack: 'price-tamper', controls: ['server-prices'] },
  { attack: 'pan-leak', controls: ['pan-guard'] },
  { attack: 'clickjacking', controls: ['frame-ancestors'] },
  { attack: 'tls-downgrade', controls: ['tls-policy'] },
  { attack: 'cross-site', controls: ['origin-check'] },
] as const;

export type AttackName = (typeof LABS)[number]['attack'];
export type ControlName = (typeof LABS)[number]['controls'][number];
