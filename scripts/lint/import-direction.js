// An ESLint rule that keeps the repository's dependency direction (docs/decisions/005-…):
// each top-level folder is a layer, and a file may import only from its own layer, the layers
// its entry in `layers` names, and packages. The table and its few exceptions are the rule's
// options, set once in eslint.config.js.
//
// The check works on resolved paths, not on the import string: `../server/x` from
// emulator/src/api/ is the emulator's own emulator/src/server, while `../../server/x` from
// client/src/ is the server. ESLint's no-restricted-imports only sees the string, so it
// cannot tell those apart.
//
// What it sees: static imports and re-exports (type-only ones too: a type shared by two layers
// belongs in common/), import('…') with a literal path, import('…') types and
// `import x = require('…')`. Packages and node: built-ins are always allowed.
import path from 'node:path';

const EXTENSION = /\.(?:[cm]?[jt]s|json)$/;

/** `a/b/c.ts` relative to the root, with / separators; null outside the root. */
function relativeTo(root, file) {
  const relative = path.relative(root, file).split(path.sep).join('/');
  return relative.startsWith('../') || relative === '..' || path.isAbsolute(relative) ? null : relative;
}

function layerOf(relative) {
  const slash = relative.indexOf('/');
  return slash === -1 ? null : relative.slice(0, slash);
}

/** A `from`/`to` entry ending in / names a folder; anything else one module, extension optional. */
function matches(entry, relative) {
  if (entry.endsWith('/')) return relative.startsWith(entry);
  return relative.replace(EXTENSION, '') === entry.replace(EXTENSION, '');
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Keep imports pointing the way the layers allow (client, server and emulator depend only on common).' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          layers: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              properties: { mayImport: { type: 'array', items: { type: 'string' } } },
              required: ['mayImport'],
              additionalProperties: false,
            },
          },
          exceptions: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                from: { type: 'string' },
                to: { type: 'string' },
                dynamicOnly: { type: 'boolean' },
                why: { type: 'string' },
              },
              required: ['from', 'to', 'why'],
              additionalProperties: false,
            },
          },
        },
        required: ['root', 'layers'],
        additionalProperties: false,
      },
    ],
    messages: {
      forbidden:
        "{{fromLayer}}/ may import only from {{allowed}} and packages; '{{source}}' is in {{toLayer}}. Move what both need into common/ (or test-support/ for test tools). See docs/decisions/005-common-layer-and-dependency-direction.md.",
      outside: "'{{source}}' is outside the repository; import a package instead.",
      staticException: "'{{source}}' may be imported here only with import(): {{why}}",
    },
  },

  create(context) {
    const { root, layers, exceptions = [] } = context.options[0];
    const file = relativeTo(root, context.filename);
    const fromLayer = file && layerOf(file);
    // Files at the root (vite.config.ts, eslint.config.js …) wire the layers together.
    if (!fromLayer || !Object.hasOwn(layers, fromLayer)) return {};
    const allowed = new Set([fromLayer, ...layers[fromLayer].mayImport]);

    function check(node, source, dynamic) {
      if (typeof source !== 'string' || !(source.startsWith('.') || path.isAbsolute(source))) return;
      const target = relativeTo(root, path.resolve(path.dirname(context.filename), source));
      if (target === null) {
        context.report({ node, messageId: 'outside', data: { source } });
        return;
      }
      const toLayer = layerOf(target) ?? 'the repository root';
      if (allowed.has(toLayer)) return;
      const exception = exceptions.find((entry) => matches(entry.from, file) && matches(entry.to, target));
      if (exception && (dynamic || !exception.dynamicOnly)) return;
      if (exception) {
        context.report({ node, messageId: 'staticException', data: { source, why: exception.why } });
        return;
      }
      const names = [...allowed].map((layer) => `${layer}/`);
      context.report({ node, messageId: 'forbidden', data: { fromLayer, allowed: names.join(', '), source, toLayer } });
    }

    const literal = (node) => {
      if (node?.type === 'Literal') return node.value;
      if (node?.type === 'TemplateLiteral' && node.expressions.length === 0) return node.quasis[0]?.value.cooked;
      return undefined;
    };

    return {
      ImportDeclaration: (node) => check(node, node.source.value, false),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value, false),
      ExportAllDeclaration: (node) => check(node, node.source.value, false),
      ImportExpression: (node) => check(node, literal(node.source), true),
      TSImportType: (node) => check(node, literal(node.source), false),
      TSExternalModuleReference: (node) => check(node, literal(node.expression), false),
    };
  },
};
