// The seller the audit signs in as when it grades a local app and is given no --seller-link:
// added as `npm run seller -- add` adds one, with the settings the app reads (.env, DATABASE_URL,
// PUBLIC_URL), so the link works on that app. A remote deployment's database is not ours to
// write: there the operator adds a seller and passes the link.
import { resolvePublicUrl, type Config } from '../../server/src/config';
import { addSellerWithConfig } from '../../server/src/sellers/configured-enrolment';
import { newSellerId } from '../../server/src/store/seller-store';

export interface AuditSeller {
  email: string;
  enrolLink: URL;
}

export async function addAuditSeller(target: URL, config: Config): Promise<AuditSeller> {
  // Checked first, so settings for another app add no seller to its database.
  const configured = new URL(resolvePublicUrl(config, config.port)).origin;
  if (configured !== target.origin) {
    throw new Error(
      `the local settings (.env and the environment) are for ${configured}, not ${target.origin}: run the audit with the audited app's settings, or pass --seller-link`,
    );
  }
  // Letters only: digits can pass the Luhn check, and the store refuses a card number.
  const link = await addSellerWithConfig(config, `audit-${newSellerId().slice(4)}@example.com`);
  return { email: link.seller.email, enrolLink: new URL(link.url) };
}
