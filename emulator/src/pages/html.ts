// A tiny HTML template tag: every interpolated value is escaped unless it is already
// `SafeHtml` (the output of another `html` call), so page data cannot inject markup.
import { createHash } from 'node:crypto';
import { formatAmount } from '../../../common/currency';

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
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A CSP source that allows exactly this inline `<style>` block (no 'unsafe-inline'). */
export function styleHashSource(css: string): string {
  return `'sha256-${createHash('sha256').update(css, 'utf8').digest('base64')}'`;
}

/**
 * An amount as the pages show it: the shop's own formatter (minor units, Stripe's zero-decimal
 * rule) in one fixed locale; blank while a Stripe object has no amount or currency yet.
 */
export function amountText(amount: number | null, currency: string | null): string {
  return amount === null || !currency ? '' : formatAmount(amount, currency, 'en-US');
}

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}
