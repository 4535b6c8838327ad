import { expect, it } from 'vitest';
import { PAGE_ROUTES } from '../../server/src/routes/pages';
import { NON_PAYMENT_PAGES, PAYMENT_PAGES } from '../audit/payment-pages';

it('names every page the server serves as a payment page or not, so none escapes the audit', () => {
  expect([...PAYMENT_PAGES, ...NON_PAYMENT_PAGES].sort()).toEqual([...PAGE_ROUTES].sort());
});
