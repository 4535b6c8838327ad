// Loads Stripe.js on the two pages that need it, and only there: `@stripe/stripe-js/pure`
// injects nothing until loadStripe() is called (https://github.com/stripe/stripe-js#importing-loadstripe-without-side-effects).
// Against the emulator's own origin the emulator's stand-in comes first (stand-in-script.ts).
import { loadStripe } from '@stripe/stripe-js/pure';
import type { Stripe } from '@stripe/stripe-js';
import type { ShopConfig } from '../../../common/api-contract';
import { loadStandInScript } from './stand-in-script';

export async function loadStripeForPage(config: ShopConfig): Promise<Stripe> {
  await loadStandInScript(config.stripeJsUrl, 'Stripe');
  const stripe = await loadStripe(config.publishableKey);
  if (!stripe) throw new Error('Stripe.js is not available in this browser.');
  return stripe;
}
