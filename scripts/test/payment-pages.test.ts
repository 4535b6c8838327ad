import { expect, it } from 'vitest';
import { PAGE_MANIFEST, type PageEntry } from '../../common/pages';
import { PAGE_ROUTES } from '../../server/src/routes/pages';
import { GRADED_ROUTES, PAYMENT_PAGES, UNGRADED_ROUTES, needsSellerSession } from '../audit/payment-pages';

it('names every page the server serves as graded or not, so none escapes the audit', () => {
  expect([...GRADED_ROUTES, ...UNGRADED_ROUTES].sort()).toEqual([...PAGE_ROUTES].sort());
});

it('grades every payment page and every seller page, the seller-only ones signed in', () => {
  expect(GRADED_ROUTES).toEqual(expect.arrayContaining([...PAYMENT_PAGES]));
  const sellerOnly = PAGE_MANIFEST.filter((entry: PageEntry) => entry.access === 'seller').map((entry) => entry.route);
  expect(sellerOnly.length).toBeGreaterThan(0);
  expect(GRADED_ROUTES).toEqual(expect.arrayContaining(sellerOnly));
  expect(GRADED_ROUTES.filter(needsSellerSession)).toEqual(sellerOnly);
});
