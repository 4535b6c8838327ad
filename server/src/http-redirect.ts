// The plain-HTTP port: every request gets a permanent redirect to the same path on our
// HTTPS origin, and nothing else is ever served over HTTP. The target origin comes from
// configuration, never from the Host header (which an attacker controls).
import type { IncomingMessage, ServerResponse } from 'node:http';

export function createHttpsRedirectHandler(publicUrl: string) {
  const origin = new URL(publicUrl).origin;
  return (req: IncomingMessage, res: ServerResponse) => {
    const target = req.url?.startsWith('/') ? req.url : '/';
    // 308 keeps the method; String concatenation keeps our origin even for "//host" paths.
    res.writeHead(308, { Location: `${origin}${target}`, 'Content-Length': '0', Connection: 'close' });
    res.end();
  };
}
