// Choosing a built file's content coding from Accept-Encoding (RFC 9110 §12.5.3).
import { describe, expect, it } from 'vitest';
import { preferredEncoding } from '../src/routes/accept-encoding';
import { PRECOMPRESSIONS } from '../../common/precompressed';

// What the build writes, in the server's order of preference.
const BOTH = PRECOMPRESSIONS.map((precompression) => precompression.encoding);
const [FIRST = '', SECOND = ''] = BOTH;

describe('preferredEncoding', () => {
  it.each([
    // No header, an empty one, or only identity: the file as it is.
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    [' , ,', 'identity'],
    // What browsers send: the server's preference among what they accept.
    ['gzip, deflate, br, zstd', FIRST],
    [`${SECOND}, ${FIRST}`, FIRST],
    [SECOND, SECOND],
    ['deflate', 'identity'],
    // Tokens and q are case-insensitive; spaces around `;` and `=` are allowed.
    [FIRST.toUpperCase(), FIRST],
    [`${FIRST} ; Q = 0.5`, FIRST],
    // Weights: the client's highest wins, ties go to the server's order.
    [`${FIRST};q=0.4, ${SECOND};q=0.5`, SECOND],
    [`${FIRST};q=0.5, ${SECOND};q=0.5`, FIRST],
    [`${SECOND};q=1.000, ${FIRST};q=0.999`, SECOND],
    [`${FIRST};q=0.5, identity`, 'identity'],
    [`${FIRST};q=0.5, identity;q=0.5`, FIRST],
    // q=0 means "not acceptable", whatever else is listed.
    [`${FIRST};q=0, ${SECOND}`, SECOND],
    [`${FIRST};q=0, ${SECOND};q=0`, 'identity'],
    [`${FIRST};q=0.000`, 'identity'],
    // `*` covers every coding not named.
    ['*', FIRST],
    ['*;q=0', 'identity'],
    [`*;q=0, ${SECOND}`, SECOND],
    [`*, ${FIRST};q=0`, SECOND],
    [`*;q=0.1, identity;q=0.2`, 'identity'],
    // Even identity excluded: still the file as it is, rather than no answer.
    [`identity;q=0, ${FIRST};q=0, ${SECOND};q=0`, 'identity'],
    // A malformed weight (out of range, too many digits, not a number) makes its entry unusable.
    [`${FIRST};q=2`, 'identity'],
    [`${FIRST};q=0.1234`, 'identity'],
    [`${FIRST};q=abc, ${SECOND}`, SECOND],
    [`${FIRST};q=-1`, 'identity'],
    // Other parameters are not weights.
    [`${FIRST};level=1;q=0.3, ${SECOND};q=0.2`, FIRST],
  ])('Accept-Encoding %j → %s', (header, expected) => {
    expect(preferredEncoding(header, BOTH)).toBe(expected);
  });

  it('never picks a coding the file has no copy in', () => {
    expect(preferredEncoding(`${FIRST}, ${SECOND}`, [SECOND])).toBe(SECOND);
    expect(preferredEncoding(`${FIRST}`, [])).toBe('identity');
    expect(preferredEncoding('*', [])).toBe('identity');
  });
});
