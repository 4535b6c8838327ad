// Writes every page from one layout: client/layout.html holds the head, skip link, header and
// footer once; each HTML entry of the page list (common/pages.ts) holds only its own `<main>`;
// the brand (config/brand.json) fills in the shop's name, tagline, logo, icon and address.
//
// It runs as Vite's first HTML transform (`order: 'pre'`), so Vite then treats the result as
// if it had been written by hand: it bundles the module script it names, adds the
// `nonce="__CSP_NONCE__"` placeholders (html.cspNonce), and the integrity and script-inventory
// plugins see the finished pages. https://vite.dev/guide/api-plugin#transformindexhtml
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';
import { BRAND, BRAND_FILE, type Brand } from '../../common/brand';
import { entryLayout, type EntryLayout } from '../../common/pages';

export const LAYOUT_FILE = path.resolve(import.meta.dirname, '..', '..', 'client', 'layout.html');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

const ICON_TYPES: Record<string, string> = { '.svg': 'image/svg+xml', '.png': 'image/png', '.webp': 'image/webp', '.ico': 'image/x-icon' };

/** A page body is one `<main id="main">` (the skip link's target) and nothing of the layout's. */
function checkPartial(entry: string, partial: string): void {
  const fix = `client/${entry} holds only the page's own <main id="main">…</main>; the layout (client/layout.html) writes the rest`;
  if (!/^\s*<main\b[^>]*\bid="main"/.test(partial) || !/<\/main>\s*$/.test(partial))
    throw new Error(`${fix}: it must start with <main id="main"> and end with </main>.`);
  const stray = /<(!doctype|html|head|body|script|header|footer|title|meta|link)\b/i.exec(partial);
  if (stray) throw new Error(`${fix}, and the page list (common/pages.ts) names its script: remove its <${stray[1]}>.`);
}

/** One finished page: the layout around the entry's body, with the brand and the entry's layout fields. */
export function renderPage(options: { layout: string; partial: string; page: EntryLayout; brand: Brand }): string {
  const { layout, page, brand } = options;
  // Vite's own first transforms run before ours and put their head tags (the csp-nonce meta of
  // html.cspNonce) at the top of a file without a <head>: they go back into the head.
  const start = options.partial.search(/<main\b/);
  const injected = start > 0 ? options.partial.slice(0, start).trim() : '';
  const partial = start > 0 ? options.partial.slice(start) : options.partial;
  if (injected && !/^(<meta\b[^>]*>|<script type="importmap"[^]*?<\/script>|\s)*$/.test(injected)) {
    throw new Error(
      `client/${page.entry} holds only the page's own <main id="main">…</main>; move what comes before <main> into it, or into client/layout.html.`,
    );
  }
  checkPartial(page.entry, partial);
  const text: Record<string, string> = {
    shopName: brand.shopName,
    tagline: brand.tagline,
    description: brand.description,
    logo: brand.logo,
    favicon: brand.favicon,
    faviconType: ICON_TYPES[path.extname(brand.favicon)] ?? 'image/svg+xml',
    supportEmail: brand.supportEmail,
    title: page.title,
    skipLink: page.skipLink,
  };
  // Slots take markup we write here; placeholders take text, always escaped.
  const slots: Record<string, string> = {
    robots: page.robots ? `<meta name="robots" content="${page.robots}" />` : '',
    script: page.script ? `<script type="module" src="./${escapeHtml(page.script)}"></script>` : '',
    main: partial.trim().replaceAll('\n', '\n    '),
    injected: injected.replaceAll('\n', '\n    '),
  };
  return layout
    .replace(/^([ \t]*)<!-- slot:([a-z]+) -->\n/gm, (whole, indent: string, name: string) => {
      const value = slots[name];
      if (value === undefined)
        throw new Error(`client/layout.html has an unknown slot "${name}" (the slots are ${Object.keys(slots).join(', ')}).`);
      return value ? `${indent}${value}\n` : '';
    })
    .replace(/\{\{(\w+)\}\}/g, (_whole, name: string) => {
      const value = text[name];
      if (value === undefined)
        throw new Error(
          `client/layout.html has an unknown placeholder {{${name}}} (the placeholders are ${Object.keys(text).join(', ')}).`,
        );
      return escapeHtml(value);
    });
}

export interface PageLayoutOptions {
  /** Default: config/brand.json. */
  brand?: Brand;
  layoutFile?: string;
}

export function pageLayout(options: PageLayoutOptions = {}): Plugin {
  const brand = options.brand ?? BRAND;
  const layoutFile = options.layoutFile ?? LAYOUT_FILE;
  let root = '';
  return {
    name: 'stripe-secure-starter:page-layout',
    configResolved(config) {
      root = config.root;
      // The header's logo and the tab's icon are files the build copies from client/public.
      for (const field of ['logo', 'favicon'] as const) {
        if (!existsSync(path.join(config.publicDir, brand[field]))) {
          throw new Error(
            `${BRAND_FILE}: ${field} "${brand[field]}" is not a file in ${path.relative(process.cwd(), config.publicDir)}${path.dirname(brand[field])}: add the file there, or name one that is.`,
          );
        }
      }
    },
    transformIndexHtml: {
      order: 'pre',
      handler(partial, context) {
        const entry = path.relative(root, context.filename).split(path.sep).join('/');
        // Read on each page, so `vite` (the dev server) shows a layout edit on reload.
        return renderPage({ layout: readFileSync(layoutFile, 'utf8'), partial, page: entryLayout(entry), brand });
      },
    },
  };
}
