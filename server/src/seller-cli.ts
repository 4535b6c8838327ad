// `npm run seller -- add <email>`: adds a seller and prints their one-time enrolment link, with
// the server's configuration (.env, DATABASE_URL, PUBLIC_URL). No e-mail is sent: pass the link
// on yourself, over a channel you trust; it works once, for SELLER_ENROL_LINK_HOURS.
import { ConfigError, loadConfigFromProcess, resolvePublicUrl } from './config';
import { addSeller, parseSellerEmail } from './sellers/enrolment';
import { openDatabase } from './store/database';
import { createSellerStore, SellerExistsError } from './store/seller-store';

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
  const config = loadConfigFromProcess();
  if (config.publicUrl === null && config.port === 0) {
    throw new ConfigError(['PORT=0 picks a port at each start, so no link could reach the shop: set PUBLIC_URL (or a fixed PORT).']);
  }
  const db = await openDatabase(config.database);
  try {
    const link = await addSeller(createSellerStore(db), {
      email: parsed,
      publicUrl: resolvePublicUrl(config, config.port),
      linkMs: config.sellers.enrolLinkMs,
    });
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
  } finally {
    await db.close();
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
