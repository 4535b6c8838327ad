// A tiny HTML template tag: every interpolated value is escaped unless it is already
// `SafeHtml` (the output of another `html` call), so page data cannot inject markup.
import { createHash } from 'node:crypto';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Interpolation = string | number | null | undefined | SafeHtml | readonly SafeHtml[];

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    out += render(value) + (strings[index + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: Interpolation): string {
  if (value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map((item: SafeHtml) => item.value).join('');
  return escapeHtml(String(value));
}

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A CSP source that allows exactly this inline `<style>` block (no 'unsafe-inline'). */
export function styleHashSource(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

// Amounts are in the currency's smallest unit, which is the whole unit for these:
// https://docs.stripe.com/currencies#zero-decimal
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'ugx', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);

export function formatAmount(amount: number | null, currency: string | null): string {
  if (amount === null || !currency) return '';
  try {
    const units = ZERO_DECIMAL.has(currency) ? amount : amount / 100;
    return new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(units);
  } catch {
    return `${amount} ${currency}`;
  }
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}
