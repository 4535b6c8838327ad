// The product page: render the catalog, keep the basket, and hand over to one of the three
// integrations: hosted Checkout (leave for Stripe's page), embedded Checkout or the Payment
// Element (our own pages, which load Stripe.js; this one never does).
//
// Hosted Checkout is reached with fetch + location.assign rather than a form post, so the page's
// CSP can keep `form-action 'self'`. https://docs.stripe.com/security/guide#content-security-policy
import { ApiError, createCheckoutSession, getConfig, listProducts, type Product } from './lib/api';
import { MAX_QUANTITY } from '../../common/api-contract';
import { clampQuantity, countBasketItems, listBasketItems, saveBasket, totalBasket } from './lib/basket';
import { createElement, requireElement, showStatus } from './lib/dom';
import { formatAmount } from '../../common/currency';

const PLACEHOLDER_IMAGE = '/images/placeholder.svg';

const grid = requireElement('#product-grid', HTMLUListElement);
const countOutput = requireElement('#basket-count', HTMLElement);
const totalOutput = requireElement('#basket-total', HTMLElement);
const checkoutButton = requireElement('#checkout-button', HTMLButtonElement);
const embeddedButton = requireElement('#embedded-checkout-button', HTMLButtonElement);
const paymentElementButton = requireElement('#payment-element-button', HTMLButtonElement);
const status = requireElement('#status-message', HTMLElement);
const testModeNotice = requireElement('#test-mode-notice', HTMLElement);

const quantities = new Map<string, number>();
const unitAmounts = new Map<string, number>();
/** The catalog's one currency, known once the catalog has loaded (the total shows – until then). */
let currency = '';

void loadCatalog();
void showTestModeNotice();
checkoutButton.addEventListener('click', () => void startCheckout());
embeddedButton.addEventListener('click', () => continueOnOurPage('/embedded-checkout'));
paymentElementButton.addEventListener('click', () => continueOnOurPage('/payment'));
// Coming back from Checkout with the Back button restores this page from the bfcache as it was
// left: "Redirecting…" and disabled. Make it usable again.
window.addEventListener('pageshow', (event) => {
  if (event.persisted) resetCheckoutButton();
});

async function loadCatalog(): Promise<void> {
  showStatus(status, 'Loading products…');
  setPayButtonsDisabled(true);
  try {
    const catalog = await listProducts();
    const { products } = catalog;
    currency = catalog.currency;
    for (const product of products) {
      quantities.set(product.id, 0);
      unitAmounts.set(product.id, product.unitAmount);
    }
    grid.replaceChildren(...products.map(renderProduct));
    showStatus(status, products.length === 0 ? 'The shop is empty right now. Please come back later.' : '');
    setPayButtonsDisabled(products.length === 0);
  } catch (error) {
    showStatus(status, messageOf(error), 'error');
  } finally {
    grid.removeAttribute('aria-busy');
    updateSummary();
  }
}

/** Test card hints help in emulated and test mode and would only confuse buyers in live mode. */
async function showTestModeNotice(): Promise<void> {
  try {
    const { mode } = await getConfig();
    testModeNotice.hidden = mode === 'live';
  } catch {
    // The notice is a convenience; the catalog request reports real failures.
  }
}

function renderProduct(product: Product): HTMLLIElement {
  const inputId = `quantity-${product.id}`;
  const input = createElement('input', {
    id: inputId,
    class: 'quantity-input',
    type: 'number',
    inputmode: 'numeric',
    min: 0,
    max: MAX_QUANTITY,
    step: 1,
    value: 0,
    'data-testid': 'quantity-input',
  });
  const setQuantity = (value: number | string) => {
    const quantity = clampQuantity(value);
    quantities.set(product.id, quantity);
    input.value = String(quantity);
    decrease.disabled = quantity === 0;
    increase.disabled = quantity === MAX_QUANTITY;
    updateSummary();
  };
  const decrease = createElement(
    'button',
    { type: 'button', class: 'stepper-button', 'aria-label': `Remove one ${product.name}`, disabled: true },
    ['−'],
  );
  const increase = createElement('button', { type: 'button', class: 'stepper-button', 'aria-label': `Add one ${product.name}` }, ['+']);
  decrease.addEventListener('click', () => setQuantity((quantities.get(product.id) ?? 0) - 1));
  increase.addEventListener('click', () => setQuantity((quantities.get(product.id) ?? 0) + 1));
  input.addEventListener('change', () => setQuantity(input.value));
  input.addEventListener('input', () => {
    if (input.value !== '') setQuantity(input.value);
  });

  return createElement('li', { class: 'product', 'data-testid': 'product-card', 'data-product-id': product.id }, [
    createElement('img', {
      class: 'product-image',
      src: isSameOriginPath(product.image) ? product.image : PLACEHOLDER_IMAGE,
      alt: '',
      width: 320,
      height: 240,
      loading: 'lazy',
    }),
    createElement('div', { class: 'product-body' }, [
      createElement('h2', { class: 'product-name' }, [product.name]),
      createElement('p', { class: 'product-description' }, [product.description]),
      createElement('p', { class: 'product-price', 'data-testid': 'product-price' }, [formatAmount(product.unitAmount, currency)]),
      createElement('div', { class: 'quantity' }, [
        createElement('label', { for: inputId }, [
          'Quantity',
          createElement('span', { class: 'visually-hidden' }, [` of ${product.name}`]),
        ]),
        createElement('div', { class: 'stepper' }, [decrease, input, increase]),
      ]),
    ]),
  ]);
}

function updateSummary(): void {
  const count = countBasketItems(quantities);
  countOutput.textContent = String(count);
  totalOutput.textContent = count === 0 || currency === '' ? '–' : formatAmount(totalBasket(quantities, unitAmounts), currency);
}

function setPayButtonsDisabled(disabled: boolean): void {
  for (const button of [checkoutButton, embeddedButton, paymentElementButton]) button.disabled = disabled;
}

/** The basket's items, or undefined (with a message) when it is empty. */
function readBasketOrExplain(): { productId: string; quantity: number }[] | undefined {
  const items = listBasketItems(quantities);
  if (items.length > 0) return items;
  showStatus(status, 'Add at least one item to your basket first.', 'error');
  grid.querySelector<HTMLInputElement>('.quantity-input')?.focus();
  return undefined;
}

/** Embedded Checkout and the Payment Element run on their own pages, each with its own CSP. */
function continueOnOurPage(path: '/embedded-checkout' | '/payment'): void {
  const items = readBasketOrExplain();
  if (!items) return;
  saveBasket(sessionStorage, items);
  location.assign(path);
}

async function startCheckout(): Promise<void> {
  const items = readBasketOrExplain();
  if (!items) return;

  setPayButtonsDisabled(true);
  checkoutButton.textContent = 'Redirecting to checkout…';
  showStatus(status, 'Taking you to Stripe’s secure checkout…');
  try {
    const { url } = await createCheckoutSession(items);
    // Only ever leave for an https page: a tampered response must not become a javascript: URL.
    if (new URL(url).protocol !== 'https:')
      throw new ApiError(0, 'invalid_response', 'The checkout link we received looks wrong. Please try again.');
    location.assign(url);
  } catch (error) {
    showStatus(status, messageOf(error), 'error');
    resetCheckoutButton();
    checkoutButton.focus();
  }
}

function resetCheckoutButton(): void {
  setPayButtonsDisabled(false);
  checkoutButton.textContent = 'Checkout';
}

function isSameOriginPath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('//');
}

function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Please reload the page and try again.';
}
