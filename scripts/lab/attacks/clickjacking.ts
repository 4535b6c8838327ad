// The payment page inside another site's frame, under a decoy button: a browser shows it
// framed unless the page's headers forbid it (CSP frame-ancestors, or X-Frame-Options).
import type { LabAttack } from '../attack';
import { request, type LabTarget } from '../target';

/** Whether a browser would render this response in a cross-origin frame (CSP Level 3 §6.4.2; X-Frame-Options, RFC 7034). */
export function framable(headers: Record<string, string>): boolean {
  const policy = headers['content-security-policy'] ?? '';
  const frameAncestors = policy.split(';').some((directive) => directive.trim().startsWith('frame-ancestors'));
  return !frameAncestors && headers['x-frame-options'] === undefined;
}

export const clickjacking: LabAttack = {
  name: 'clickjacking',
  summary: "Frame the payment page in the attacker's page: do its headers let a browser render it there?",
  why: "A page that may be framed can be overlaid with a decoy, so the shopper's clicks land on it (https://docs.stripe.com/security/guide#content-security-policy; OWASP Clickjacking Defense).",
  cases: [
    {
      label: 'framed payment page',
      control: 'frame-ancestors',
      async run(target: LabTarget) {
        const response = await request(target, 'GET', '/payment');
        const policy = response.headers['content-security-policy'] ?? '';
        const directive = policy
          .split(';')
          .find((part) => part.trim().startsWith('frame-ancestors'))
          ?.trim();
        return {
          succeeded: response.status === 200 && framable(response.headers),
          observed: [
            `GET /payment: ${response.status}`,
            `frame-ancestors: ${directive ?? 'none'}; X-Frame-Options: ${response.headers['x-frame-options'] ?? 'none'}`,
          ],
        };
      },
    },
  ],
};
