// Adding a seller with the server's own configuration: the database it names and a link on its
// public URL. What `npm run seller -- add` does, and what `npm run audit` does against a local
// app when it is given no link, so both reach the same database the app reads.
import { ConfigError, resolvePublicUrl, type Config } from '../config';
import { openDatabase } from '../store/database';
import { createSellerStore } from '../store/seller-store';
import { addSeller, type EnrolmentLink } from './enrolment';

export async function addSellerWithConfig(config: Config, email: string): Promise<EnrolmentLink> {
  if (config.publicUrl === null && config.port === 0) {
    throw new ConfigError(['PORT=0 picks a port at each start, so no link could reach the shop: set PUBLIC_URL (or a fixed PORT).']);
  }
  const db = await openDatabase(config.database);
  try {
    return await addSeller(createSellerStore(db), {
      email,
      publicUrl: resolvePublicUrl(config, config.port),
      linkMs: config.sellers.enrolLinkMs,
    });
  } finally {
    await db.close();
  }
}
