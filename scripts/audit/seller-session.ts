// A seller session for grading the signed-in pages, obtained as a seller would: a software
// passkey enrolled from the one-time link `npm run seller -- add <email>` prints, then a
// passkey sign-in. The sign-in answer's Set-Cookie is what the Observatory's cookie test grades
// (the browser keeps exactly that cookie and sends it back to the seller pages).
import { SELLER_API } from '../../common/api-contract';
import { createSoftwareAuthenticator } from '../../test-support/passkey-authenticator';
import { httpsPostJson } from '../lib/https-client';

export interface SellerSession {
  /** Where the answer that set the cookie came from (the cookie jar needs its URL). */
  answerUrl: URL;
  /** The sign-in answer's Set-Cookie header, as sent. */
  setCookie: string;
  /** What a browser sends back: `name=value`. */
  cookie: string;
}

export async function signInWithEnrolLink(enrolLink: URL, ca?: string): Promise<SellerSession> {
  const origin = enrolLink.origin;
  // The origin check wants what a browser sends with a same-origin fetch.
  const headers = { origin, 'sec-fetch-site': 'same-origin' };
  const post = async (path: string, body: unknown) => httpsPostJson(new URL(path, origin), body, { ca, headers });
  const authenticator = createSoftwareAuthenticator();
  const token = enrolLink.searchParams.get('token') ?? '';
  const creation = JSON.parse((await post(SELLER_API.enrolOptions, { token })).body.toString('utf8')) as Parameters<
    typeof authenticator.register
  >[0];
  await post(SELLER_API.enrol, { token, credential: authenticator.register(creation, { origin }) });
  const request = JSON.parse((await post(SELLER_API.signInOptions, {})).body.toString('utf8')) as Parameters<
    typeof authenticator.authenticate
  >[0];
  const answerUrl = new URL(SELLER_API.signIn, origin);
  const answer = await post(SELLER_API.signIn, { credential: authenticator.authenticate(request, { origin }) });
  const setCookie = answer.headers['set-cookie'];
  if (!setCookie) throw new Error(`The sign-in answer (POST ${answerUrl.href}) set no cookie.`);
  return { answerUrl, setCookie, cookie: setCookie.split(';')[0]?.trim() ?? '' };
}
