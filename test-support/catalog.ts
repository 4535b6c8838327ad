// The catalog tests run against: the active one (CATALOG_FILE, else config/catalog.json, loaded
// by the server's own loader with the same checks as at startup) or a fixture catalog. Tests
// derive product ids, prices and the currency from these, never from literals, so a team's own
// catalog (EUR, JPY, one product or a hundred) keeps the suite green.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Catalog, Product } from '../common/catalog';
import { resolveCatalogFile } from '../server/src/config';
import { loadCatalogFile } from '../server/src/payments/catalog';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLIENT_PUBLIC_DIR = path.join(REPO_ROOT, 'client', 'public');
const FIXTURE_DIR = path.join(REPO_ROOT, 'test-support', 'catalogs');

/** Fixture catalogs: a EUR shop of two products and a JPY (zero-decimal) shop of one. */
export const FIXTURE_CATALOGS = ['eur-two', 'jpy-one'] as const;
export type FixtureCatalogName = (typeof FIXTURE_CATALOGS)[number];

/** The catalog file the app under test reads: the caller's CATALOG_FILE, else the default. */
export function activeCatalogFile(): string {
  return resolveCatalogFile(process.env['CATALOG_FILE']);
}

export function fixtureCatalogFile(name: FixtureCatalogName): string {
  return path.join(FIXTURE_DIR, `${name}.json`);
}

export function loadCatalogForTests(file: string): Catalog {
  return loadCatalogFile(file, { publicDir: CLIENT_PUBLIC_DIR }).catalog;
}

export function loadActiveCatalog(): Catalog {
  return loadCatalogForTests(activeCatalogFile());
}

export function loadFixtureCatalog(name: FixtureCatalogName): Catalog {
  return loadCatalogForTests(fixtureCatalogFile(name));
}

/** The product at `index`, wrapping around, so a test asking for "another product" works with one. */
export function productAt(catalog: Catalog, index: number): Product {
  const product = catalog.products[index % catalog.products.length];
  if (!product) throw new Error('The catalog has no products.');
  return product;
}

/** A basket line for the product at `index` (wrapping around). */
export function itemAt(catalog: Catalog, index: number, quantity = 1): { productId: string; quantity: number } {
  return { productId: productAt(catalog, index).id, quantity };
}

/** Up to `count` lines of distinct products, the i-th with quantity `quantities[i]` (default 1). */
export function distinctItems(catalog: Catalog, quantities: readonly number[]): { productId: string; quantity: number }[] {
  return catalog.products.slice(0, quantities.length).map((product, i) => ({ productId: product.id, quantity: quantities[i] ?? 1 }));
}

/** What the server charges for a basket: the catalog's unit amounts times quantities, in minor units. */
export function basketTotal(catalog: Catalog, items: readonly { productId: string; quantity: number }[]): number {
  return items.reduce((sum, item) => {
    const product = catalog.products.find((p) => p.id === item.productId);
    if (!product) throw new Error(`No product "${item.productId}" in the catalog.`);
    return sum + product.unitAmount * item.quantity;
  }, 0);
}

/** An id no catalog can hold (catalog ids are lowercase slugs). */
export const UNKNOWN_PRODUCT_ID = 'Not_A_Product';
