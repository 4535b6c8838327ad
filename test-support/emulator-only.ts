// Tests that need a control only the emulator has (its dashboard's buttons, its delayed card
// payment, its own origins). The `stripe-test-mode` project leaves them out by this tag
// (playwright.config.ts, grepInvert), so `--list --project stripe-test-mode` shows exactly what
// runs against Stripe; each says why in its annotation, which the report and the list's JSON show.
export const EMULATOR_ONLY_TAG = '@emulator-only';

/** Details for `test.describe(title, emulatorOnly(reason), …)`: what the tests would need on Stripe. */
export function emulatorOnly(reason: string): { tag: string; annotation: { type: string; description: string } } {
  return { tag: EMULATOR_ONLY_TAG, annotation: { type: 'emulator-only', description: reason } };
}
