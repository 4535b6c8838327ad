// The workshop lab's switches: one per control that `npm run lab` lets an instructor turn off,
// and the lab panel's API. Only the server's lab mode (server/src/config.ts, LAB_MODE) creates
// the switch state; in every other mode neither the panel nor its API exists.

export const LAB_CONTROLS = [
  { name: 'csp', title: 'Content-Security-Policy', what: 'The enforced CSP on every page (off: no CSP header at all).' },
  {
    name: 'csp-strict',
    title: 'Strict CSP',
    what: "Nonces and 'strict-dynamic' (off: a weakened CSP with 'unsafe-inline' and a wildcard source, as many shops ship).",
  },
  { name: 'frame-ancestors', title: 'Framing', what: "CSP frame-ancestors 'none' and X-Frame-Options: DENY on pages." },
  { name: 'webhook-signature', title: 'Webhook signature', what: 'Stripe-Signature verified with its 5-minute tolerance.' },
  { name: 'webhook-dedupe', title: 'Webhook dedupe', what: 'Each event id processed once, whatever the number of deliveries.' },
  { name: 'server-prices', title: 'Server-side prices', what: 'Amounts from the catalog on the server, never from the browser.' },
  { name: 'pan-guard', title: 'PAN guard', what: 'Card numbers masked in stored CSP reports and in every log line.' },
  { name: 'tls-policy', title: 'TLS policy', what: 'TLS 1.2+ with forward-secret AEAD suites only (off: TLS 1.0 and weak suites).' },
  { name: 'origin-check', title: 'Origin check', what: 'Cross-site POSTs to the API refused (Sec-Fetch-Site, Origin).' },
] as const;

export type LabControlName = (typeof LAB_CONTROLS)[number]['name'];

export const LAB_CONTROL_NAMES: readonly LabControlName[] = LAB_CONTROLS.map((control) => control.name);

export function isLabControlName(value: unknown): value is LabControlName {
  return (LAB_CONTROL_NAMES as readonly unknown[]).includes(value);
}

/** Where the lab panel's API lives (same origin as the shop; the panel page is /lab). */
export const LAB_API_PATH = '/lab/api/controls';

/** GET LAB_API_PATH, and the answer to PUT LAB_API_PATH/<name> with `{ "on": boolean }`. */
export interface LabState {
  controls: { name: LabControlName; on: boolean }[];
}

/** The id of the banner every page carries while a control is off. */
export const LAB_BANNER_ID = 'lab-banner';
