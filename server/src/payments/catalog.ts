// The catalog lives on the server: the browser sends product ids and quantities, never
// prices (https://docs.stripe.com/payments/checkout/how-checkout-works). It is data
// (CATALOG_FILE, config/catalog.json by default), read and validated once at startup and then
// passed to the app, so a wrong price or a missing image stops the start, not a payment.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkCatalog } from '../../../common/catalog';
import type { Catalog, Product } from '../../../common/catalog';

export type { Catalog, Product };

export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `The catalog ${file} has problems (fix the file, or point CATALOG_FILE at another; see docs/customize.md):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'CatalogError';
  }
}

export interface CatalogFileOptions {
  /** The folder `/images/…` paths resolve in (client/public); each product's image must be a file there. */
  publicDir: string;
}

/** Reads, parses and validates a catalog file; throws a CatalogError listing every problem. */
export function loadCatalogFile(file: string, options: CatalogFileOptions): { catalog: Catalog; warnings: string[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'the file does not exist' : `it cannot be read (${(error as Error).message})`;
    throw new CatalogError(file, [
      `${reason}: set CATALOG_FILE to your catalog's path (relative to the repository root, or absolute), or unset it for config/catalog.json`,
    ]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new CatalogError(file, [`it is not valid JSON: ${(error as Error).message}`]);
  }
  const publicDir = path.resolve(options.publicDir);
  const result = checkCatalog(data, {
    imageExists: (imagePath) => {
      const imageFile = path.join(publicDir, imagePath);
      return imageFile.startsWith(publicDir + path.sep) && existsSync(imageFile) && statSync(imageFile).isFile();
    },
  });
  if (!result.ok) throw new CatalogError(file, result.problems);
  return { catalog: result.catalog, warnings: result.warnings };
}

export function findProduct(catalog: Catalog, id: string): Product | undefined {
  return catalog.products.find((product) => product.id === id);
}
