// The keys: one mode for the pair, accepted by Stripe, and (a restricted key) allowed every
// call the app makes, probed with harmless reads from the payments module's one list.
import type { Config } from '../../server/src/config';
import type { PermissionProbe, StripeCheckOutcome, AccountStatus } from '../../server/src/payments/account-checks';
import { fail, pass, type CheckLine } from './checklist';

const GROUP = 'Stripe keys';
const API_KEYS_PAGE = 'Dashboard → Developers → API keys';

/** `sk` (secret) or `rk` (restricted). */
export function secretKeyKind(secretKey: string): 'sk' | 'rk' {
  return secretKey.startsWith('rk_') ? 'rk' : 'sk';
}

export function checkKeyPair(config: Config): CheckLine {
  const kind = secretKeyKind(config.stripe.secretKey);
  return pass(
    GROUP,
    `STRIPE_SECRET_KEY (${kind}_${config.mode}_…) and STRIPE_PUBLISHABLE_KEY (pk_${config.mode}_…) are both ${config.mode}-mode keys`,
    kind === 'sk' && config.mode === 'live'
      ? `Advice: a restricted key (rk_live_…) limited to the permissions in docs/deploy.md exposes less if it leaks than the secret key.`
      : undefined,
  );
}

/** Whether Stripe accepted the key, judged from the first call (the account): a 403 still means accepted. */
export function checkKeyAccepted(config: Config, account: StripeCheckOutcome<AccountStatus>): CheckLine {
  if (account.ok || account.failure.kind === 'permission') return pass(GROUP, 'Stripe accepts STRIPE_SECRET_KEY');
  if (account.failure.kind === 'invalid_key') {
    return fail(
      GROUP,
      `Stripe refuses STRIPE_SECRET_KEY: ${account.failure.message}`,
      `Copy the ${config.mode}-mode secret key (or your restricted key) again from ${API_KEYS_PAGE}; a rolled or deleted key stops working at once.`,
    );
  }
  return fail(GROUP, `Stripe could not be asked: ${account.failure.message}`, unreachableFix(config));
}

export function unreachableFix(config: Config): string {
  return config.stripe.apiUrl
    ? `Start the Stripe-compatible server at STRIPE_API_URL (${config.stripe.apiUrl.origin}), e.g. \`npm run emulator\`, or unset STRIPE_API_URL to use api.stripe.com.`
    : 'Check that this machine reaches https://api.stripe.com (HTTPS egress, proxy settings), then run the doctor again.';
}

/** A secret key may make every call; a restricted key must hold each permission of the app's list. */
export function checkPermissions(config: Config, probes: readonly PermissionProbe[] | null): CheckLine[] {
  if (secretKeyKind(config.stripe.secretKey) === 'sk')
    return [pass(GROUP, 'STRIPE_SECRET_KEY is a secret key: it may make every call the app makes')];
  const lines: CheckLine[] = [];
  for (const { permission, outcome } of probes ?? []) {
    if (outcome.ok) {
      const write = permission.permission.endsWith('_write');
      lines.push(
        pass(
          GROUP,
          `restricted key may call ${permission.calls.join(', ')} (${permission.permission})`,
          write ? `A harmless call proves read access only: make sure the key has ${permission.dashboardName}, not just Read.` : undefined,
        ),
      );
    } else if (outcome.failure.kind === 'permission') {
      lines.push(
        fail(
          GROUP,
          `restricted key lacks ${permission.permission} (${permission.dashboardName}), needed for ${permission.calls.join(', ')}`,
          `Edit the restricted key in ${API_KEYS_PAGE} and set ${permission.dashboardName}; docs/deploy.md lists every permission the app needs.`,
        ),
      );
    } else {
      lines.push(fail(GROUP, `could not probe ${permission.permission}: ${outcome.failure.message}`, unreachableFix(config)));
    }
  }
  return lines;
}
