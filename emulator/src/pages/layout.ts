// The shell every emulator page shares (hosted and embedded Checkout, the Stripe.js stand-in's
// frames, 3-D Secure, the dashboard): one document, one stylesheet, so one style hash in every
// page's CSP covers them all.
import { html, SafeHtml, styleHashSource } from './html';

const CSS = `
body{font-family:system-ui,-apple-system,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:420px;margin:40px auto;padding:24px;background:#fff;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.08)}
.badge{display:inline-block;background:#ffde92;color:#6b4e00;font-size:12px;font-weight:600;padding:2px 6px;border-radius:4px}
h1{font-size:20px;margin:12px 0 4px}.total{font-size:28px;font-weight:600;margin:0 0 16px}
ul.items{list-style:none;padding:0;margin:0 0 16px;color:#4f566b}ul.items li{display:flex;justify-content:space-between}
label{display:block;font-size:13px;margin:12px 0 4px;color:#4f566b}
input{box-sizing:border-box;width:100%;padding:10px;border:1px solid #cfd7df;border-radius:6px;font-size:16px}
input[aria-invalid=true]{border-color:#df1b41}.row{display:flex;gap:8px}.row>div{flex:1}
.field-error,.alert{color:#df1b41;font-size:13px;margin:4px 0}.alert{padding:10px;border:1px solid #df1b41;border-radius:6px}
button{width:100%;margin-top:20px;padding:12px;border:0;border-radius:6px;background:#0074d4;color:#fff;font-size:16px;font-weight:600}
a{color:#0074d4}.note{font-size:12px;color:#697386;margin-top:16px}
button.secondary{background:#fff;color:#df1b41;border:1px solid #df1b41;margin-top:8px}
body.frame{background:transparent}body.frame main{margin:0;max-width:none;box-shadow:none;padding:4px}
details.accordion-item{margin-top:12px;border:1px solid #cfd7df;border-radius:6px;padding:8px 12px}summary{cursor:pointer;font-weight:600}
button.tab{width:auto;margin:0 0 8px;padding:8px 16px;background:#fff;color:#0074d4;border:1px solid #0074d4}
.challenge{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:center;justify-content:center}
.challenge iframe{width:100%;max-width:420px;height:420px;border:0;background:#fff}
iframe.challenge-frame{display:block;width:100%;height:400px;border:0}
`;

/** Precomputed once: the only style of every emulator page, allowed by hash. */
export const PAGE_STYLE_SOURCE = styleHashSource(CSS);

/**
 * A step from one Stripe origin to another (Checkout -> hooks for 3-D Secure, and back) is a
 * new navigation rather than a 3xx: Playwright routes only the first request of a redirect
 * chain, so a browser test could not follow a redirect to https://hooks.stripe.com.
 * https://playwright.dev/docs/api/class-route#route-fulfill
 */
export function renderContinuePage(url: string, framed: boolean): string {
  return renderDocument('Continue', html`<p>Continuing… <a id="continue" href="${url}">Continue</a></p>`, { framed, refreshTo: url });
}

export function renderNotFoundPage(): string {
  return renderDocument('Not found', html`<h1>Something went wrong</h1><p>The page you were looking for could not be found.</p>`);
}

export interface DocumentOptions {
  /** A page shown inside a frame (no card chrome around it). */
  framed?: boolean;
  /** A same-origin script (path), for the few pages that must talk to their embedder. */
  script?: string;
  /** What notify-parent.js posts, and to which origin (checked by the server first). */
  notify?: { message: Record<string, unknown>; targetOrigin: string };
  /** Navigate on to this URL at once (see `renderContinuePage`). */
  refreshTo?: string;
}

/** Every emulator page shares this shell, so one style hash covers them all. */
export function renderDocument(title: string, body: SafeHtml, options: DocumentOptions = {}): string {
  const notify = options.notify;
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">${options.refreshTo ? html`<meta http-equiv="refresh" content="0;url=${options.refreshTo}">` : null}<title>${title} · Stripe emulator</title><style>${new SafeHtml(CSS)}</style></head>
<body${options.framed ? html` class="frame"` : null}${notify ? html` data-message="${JSON.stringify({ source: 'stripe-emulator', ...notify.message })}" data-target-origin="${notify.targetOrigin}"` : null}><main>${body}</main>${options.script ? html`<script src="${options.script}"></script>` : null}</body></html>`
    .value;
}
