// Every Stripe API call the app makes, as the permission a restricted key (`rk_…`) needs for it.
// One list: docs/deploy.md's permission list, `npm run doctor`'s probes and a test that scans
// server/src/payments for `stripe.<resource>.<method>(` calls (scripts/test/doctor.test.ts) all
// read it, so a new call without its permission fails the test, not a live shop.
// Stripe names permissions `rak_<resource>_<read|write>` in its errors; write includes read.
// https://docs.stripe.com/keys#limit-access
import Stripe from 'stripe';

export interface StripePermission {
  /** Stripe's name, as its 403 answers name it. */
  permission: string;
  /** The resource and access as the Dashboard's restricted-key form shows them. */
  dashboardName: string;
  /** The SDK calls (`stripe.<call>(…)`) of server/src/payments that need it. */
  calls: readonly string[];
  /**
   * A harmless read of the resource (a list of one): a 403 proves the permission missing. A
   * write cannot be probed without creating something, so a write permission's probe proves read.
   */
  probe: (stripe: Stripe) => Promise<unknown>;
}

export const APP_STRIPE_PERMISSIONS: readonly StripePermission[] = [
  {
    permission: 'rak_checkout_session_write',
    dashboardName: 'Checkout Sessions: Write',
    calls: ['checkout.sessions.create', 'checkout.sessions.retrieve'],
    probe: (stripe) => stripe.checkout.sessions.list({ limit: 1 }),
  },
  {
    permission: 'rak_payment_intent_write',
    dashboardName: 'PaymentIntents: Write',
    calls: ['paymentIntents.create', 'paymentIntents.retrieve'],
    probe: (stripe) => stripe.paymentIntents.list({ limit: 1 }),
  },
  {
    permission: 'rak_charge_read',
    dashboardName: 'Charges: Read',
    calls: ['charges.retrieve'],
    probe: (stripe) => stripe.charges.list({ limit: 1 }),
  },
  {
    permission: 'rak_dispute_read',
    dashboardName: 'Disputes: Read',
    calls: ['disputes.retrieve'],
    probe: (stripe) => stripe.disputes.list({ limit: 1 }),
  },
  // Connect: a seller's connected account, and the Account Sessions of its embedded components.
  {
    permission: 'rak_account_write',
    dashboardName: 'Connect → Accounts: Write',
    calls: ['accounts.create', 'accounts.retrieve'],
    probe: (stripe) => stripe.accounts.list({ limit: 1 }),
  },
  {
    permission: 'rak_account_session_write',
    dashboardName: 'Connect → Account Sessions: Write',
    calls: ['accountSessions.create'],
    // Account Sessions cannot be listed: ask for one for an account that does not exist. A key
    // without the permission is refused first (403); with it, Stripe refuses only the account
    // (400), and nothing is created.
    probe: (stripe) =>
      stripe.accountSessions
        .create({ account: 'acct_doctorprobe0000', components: { notification_banner: { enabled: true } } })
        .catch((error: unknown) => {
          if (error instanceof Stripe.errors.StripeInvalidRequestError) return null;
          throw error;
        }),
  },
  {
    permission: 'rak_event_read',
    dashboardName: 'Events: Read',
    calls: ['events.list'],
    probe: (stripe) => stripe.events.list({ limit: 1 }),
  },
];

/** SDK calls that never reach the API (signature checks run locally): no permission. */
export const LOCAL_STRIPE_CALLS: readonly string[] = ['webhooks.constructEvent'];
