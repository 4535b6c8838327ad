// Loads Stripe.js on the two pages that need it, and only there: `@stripe/stripe-js/pure`
// injects nothing until loadStripe() is called (https://github.com/stripe/stripe-js#importing-loadstripe-without-side-effects).
//
// Against the emulator's own origin (emulated mode with local origins, or test keys with
// STRIPE_API_URL) the server names the emulator's stand-in. We add its
// script element ourselves: our module runs with the page's nonce, and 'strict-dynamic' trusts
// scripts a trusted script inserts (https://www.w3.org/TR/CSP3/#strict-dynamic-usage), so no
// inline script and no extra CSP entry is needed. loadStripe() then finds window.Stripe and
// uses it as it would use Stripe's own.
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Stripe } from '@stripe/stripe-js';
import type { ShopConfig } from '../../../common/api-contract';

function injectScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.async = true;
    script.addEventListener('load', () => resolve());
    script.addEventListener('error', () => reject(new Error('Stripe.js could not be loaded.')));
    document.head.appendChild(script);
  });
}

export async function loadStripeForPage(config: ShopConfig): Promise<Stripe> {
  if (config.stripeJsUrl && !('Stripe' in window)) await injectScript(config.stripeJsUrl);
  const stripe = await loadStripe(config.publishableKey);
  if (!stripe) throw new Error('Stripe.js is not available in this browser.');
  return stripe;
}
