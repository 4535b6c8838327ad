// Which content coding to send a file in, from the request's Accept-Encoding (RFC 9110 §12.5.3):
// a list of codings, each with an optional weight `q` from 0 to 1; `q=0` means "not acceptable";
// `*` stands for every coding not named; `identity` (no coding) is acceptable unless excluded.
// Tokens are case-insensitive. No header at all means any coding is acceptable, but a client
// that sends none may not decode one, so it gets identity (as every server does).

// Below the smallest weight a client can give (q has at most three decimals), above "not acceptable".
const UNNAMED_IDENTITY = 0.0001;
const WEIGHT = /^q=(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/** Coding → weight, as the client gave them; null when the header is absent. */
function parseAcceptEncoding(header: string | undefined): Map<string, number> | null {
  if (header === undefined) return null;
  const weights = new Map<string, number>();
  for (const item of header.split(',')) {
    const [token = '', ...params] = item.split(';').map((part) => part.trim());
    if (token === '') continue;
    let weight = 1;
    for (const param of params.map((text) => text.replace(/\s+/g, ''))) {
      if (!/^q=/i.test(param)) continue;
      // A malformed weight makes the whole entry unusable: ignore it rather than guess.
      const match = WEIGHT.exec(param);
      weight = match ? Number(match[1]) : Number.NaN;
    }
    if (!Number.isNaN(weight)) weights.set(token.toLowerCase(), weight);
  }
  return weights;
}

/**
 * The coding to send: among `available` (in the server's order of preference, `identity` left
 * out: it is always available), the one the client weighs highest, ties going to the server's
 * order; identity when none is acceptable or the client weighs identity higher. (When even identity is
 * excluded we still send it: RFC 9110 allows that, and it is better than no answer.)
 */
export function preferredEncoding(header: string | undefined, available: readonly string[]): string {
  const weights = parseAcceptEncoding(header);
  if (weights === null || weights.size === 0) return 'identity';
  const wildcard = weights.get('*');
  // Identity not named (nor covered by `*`) stays acceptable, below any coding the client named.
  const weightOf = (coding: string) => weights.get(coding) ?? wildcard ?? (coding === 'identity' ? UNNAMED_IDENTITY : 0);
  let best = 'identity';
  let bestWeight = weightOf('identity');
  for (const coding of available) {
    const weight = weightOf(coding);
    if (weight > 0 && (weight > bestWeight || (weight === bestWeight && best === 'identity'))) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}
