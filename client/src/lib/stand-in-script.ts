// Against the emulator's own origin (emulated mode with local origins, or test keys with
// STRIPE_API_URL) GET /api/config names the emulator's stand-ins for Stripe.js and Connect.js.
// We add the stand-in's script element ourselves, before Stripe's loader looks for its global:
// our module runs with the page's nonce, and 'strict-dynamic' trusts scripts a trusted script
// inserts (https://www.w3.org/TR/CSP3/#strict-dynamic-usage), so no inline script and no extra
// CSP entry is needed. The loader then finds the global and uses it as it would use Stripe's own.

/** Loads `src` unless `global` is already on window (then there is nothing to do). */
export function loadStandInScript(src: string | null, global: 'Stripe' | 'StripeConnect'): Promise<void> {
  if (src === null || global in window) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => reject(new Error(`${global === 'Stripe' ? 'Stripe.js' : 'Connect.js'} could not be loaded.`)));
    document.head.appendChild(script);
  });
}
