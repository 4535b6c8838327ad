// Every piece of script a page's HTML carries, found the way a browser finds it: parsed by
// parse5 (the WHATWG HTML parsing algorithm), so an injected tag is seen however it is
// spelled (`<SCRIPT/src=…>`, unquoted attributes, inside <svg> or <template>). A
// regular expression over first-party URLs missed third-party and inline scripts.
import { parse } from 'parse5';
import type { DefaultTreeAdapterMap } from 'parse5';

type Node = DefaultTreeAdapterMap['node'];
type Element = DefaultTreeAdapterMap['element'];

export interface ScriptTag {
  /**
   * `script`; `modulepreload` or `preload` (a <link> that fetches a script); `on<event>`
   * (an inline event handler attribute); `javascript:` (a URL that runs code).
   */
  kind: string;
  /** The script's URL as the tag writes it; null for code written in the page. */
  src: string | null;
  /** Code written in the page (inline script, handler, javascript: URL); null for a URL. */
  inline: string | null;
  /**
   * The tag's attributes (type, async, integrity, crossorigin…), for a handler or URL the
   * element it sits on. A nonce differs in every response, so only its presence is kept.
   */
  attributes: Record<string, string>;
}

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data']);

export function listScripts(html: string): ScriptTag[] {
  const found: ScriptTag[] = [];
  const visit = (node: Node) => {
    if ('tagName' in node) inspect(node, found);
    if ('content' in node) node.content.childNodes.forEach(visit);
    if ('childNodes' in node) node.childNodes.forEach(visit);
  };
  visit(parse(html));
  return found;
}

function inspect(element: Element, found: ScriptTag[]) {
  const attrs = attributesOf(element);
  if (element.tagName === 'script') {
    // An SVG script names its file with href (or xlink:href), an HTML one with src.
    const src = attrs.src ?? attrs.href ?? attrs['xlink:href'] ?? null;
    const inline = src === null ? element.childNodes.map((child) => ('value' in child ? child.value : '')).join('') : null;
    found.push({ kind: 'script', src, inline, attributes: attrs });
  } else if (element.tagName === 'link') {
    const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
    const fetchesScript = rel.includes('modulepreload') || (rel.includes('preload') && attrs.as?.toLowerCase() === 'script');
    if (fetchesScript && attrs.href !== undefined)
      found.push({ kind: rel.includes('modulepreload') ? 'modulepreload' : 'preload', src: attrs.href, inline: null, attributes: attrs });
  }
  for (const [qualified, value] of Object.entries(attrs)) {
    if (qualified.startsWith('on')) found.push({ kind: qualified, src: null, inline: value, attributes: { element: element.tagName } });
    else if (URL_ATTRIBUTES.has(qualified) && /^\s*javascript:/i.test(value))
      found.push({ kind: 'javascript:', src: null, inline: value, attributes: { element: element.tagName, attribute: qualified } });
  }
}

/** Attributes by qualified name, sorted, so that their order in the tag does not count as a change. */
function attributesOf(element: Element): Record<string, string> {
  const entries = element.attrs.map(({ name, value, prefix }): [string, string] => {
    const qualified = (prefix ? `${prefix}:${name}` : name).toLowerCase();
    return [qualified, qualified === 'nonce' ? '' : value];
  });
  return Object.fromEntries(entries.sort(([a], [b]) => a.localeCompare(b)));
}
