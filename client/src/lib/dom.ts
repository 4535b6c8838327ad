// Tiny helpers to build DOM nodes. Text goes in through textContent only, never innerHTML,
// so product data cannot inject markup (and the CSP would refuse inline handlers anyway).

type Attributes = Record<string, string | number | boolean | undefined>;

export function createElement<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  element.append(...children);
  return element;
}

/** Finds an element the page's HTML must contain; a missing one is a build mistake. */
export function requireElement<T extends Element>(selector: string, type: new () => T): T {
  const element = document.querySelector(selector);
  if (!(element instanceof type)) throw new Error(`The page is missing ${selector}`);
  return element;
}

/** Shows a message in a live region; `tone` picks the styling and whether it interrupts. */
export function showStatus(element: HTMLElement, message: string, tone: 'info' | 'success' | 'error' = 'info'): void {
  element.textContent = message;
  element.dataset.tone = tone;
  element.hidden = message === '';
}
