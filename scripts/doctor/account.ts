// The account the keys belong to can take charges (https://docs.stripe.com/api/accounts/object#account_object-charges_enabled).
import type { Config } from '../../server/src/config';
import { DOCTOR_STRIPE_PERMISSIONS } from '../../server/src/payments/account-checks';
import type { AccountStatus, StripeCheckOutcome } from '../../server/src/payments/account-checks';
import { fail, pass, skip, type CheckLine } from './checklist';
import { unreachableFix } from './keys';

const GROUP = 'Stripe account';

export function checkAccount(config: Config, account: StripeCheckOutcome<AccountStatus>): CheckLine[] {
  if (!account.ok) {
    switch (account.failure.kind) {
      case 'invalid_key':
        return [skip(GROUP, 'not checked: Stripe refuses the key')];
      case 'permission':
        return [
          fail(
            GROUP,
            `the key may not read the account (${DOCTOR_STRIPE_PERMISSIONS.account})`,
            `Give the restricted key read access to the account (${DOCTOR_STRIPE_PERMISSIONS.account}) so this check can run, or check Dashboard → Settings → Account details by hand.`,
          ),
        ];
      default:
        return [fail(GROUP, `could not read the account: ${account.failure.message}`, unreachableFix(config))];
    }
  }
  const { id, chargesEnabled, detailsSubmitted } = account.value;
  if (!chargesEnabled) {
    return [
      fail(
        GROUP,
        `${id} cannot take charges (charges_enabled: false${detailsSubmitted ? '' : ', details_submitted: false'})`,
        detailsSubmitted
          ? 'Stripe has the business details but has not enabled charges: open the Dashboard home and Settings → Account details for what Stripe still needs.'
          : 'Activate the account: submit the business details in the Dashboard (Activate payments / Settings → Account details); Stripe enables charges once it has verified them.',
      ),
    ];
  }
  return [
    pass(
      GROUP,
      `${id} can take charges`,
      detailsSubmitted
        ? undefined
        : 'Advice: details_submitted is false: submit the business details in the Dashboard before Stripe asks for them (payouts wait for them).',
    ),
  ];
}
