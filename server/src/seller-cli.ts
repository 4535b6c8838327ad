// `npm run seller -- add <email>`: adds a seller and prints their one-time enrolment link, with
// the server's configuration (.env, DATABASE_URL, PUBLIC_URL). No e-mail is sent: pass the link
// on yourself, over a channel you trust; it works once, for SELLER_ENROL_LINK_HOURS.
import { ConfigError, loadConfigFromProcess } from './config';
import { addSellerWithConfig } from './sellers/configured-enrolment';
import { parseSellerEmail } from './sellers/enrolment';
import { SellerExistsError } from './store/seller-store';

const USAGE = 'Usage: npm run seller -- add <email>   (prints a one-time link the seller enrols a passkey with)';

async function main(args: string[]): Promise<number> {
  const [command, email, ...extra] = args;
  if (command !== 'add' || email === undefined || extra.length > 0) {
    console.error(USAGE);
    return 2;
  }
  const parsed = parseSellerEmail(email);
  if (typeof parsed !== 'string') {
    console.error(`${parsed.error}\n${USAGE}`);
    return 2;
  }
  try {
    const link = await addSellerWithConfig(loadConfigFromProcess(), parsed);
    console.log(
      `Seller ${link.seller.email} added. Their one-time enrolment link (valid until ${new Date(link.expiresAt).toISOString()}):\n\n  ${link.url}\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof SellerExistsError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`\n${error instanceof ConfigError ? '' : 'Adding the seller failed: '}${message}\n`);
    process.exit(1);
  },
);
