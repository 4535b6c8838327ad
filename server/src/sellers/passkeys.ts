// Passkeys (WebAuthn) through @simplewebauthn/server: the two ceremonies, each an options call
// and a verification. The relying party is PUBLIC_URL: its host name is the RP ID the
// credential is bound to, its origin the only one a response may come from, so a passkey made
// here is useless to a look-alike site (https://www.w3.org/TR/webauthn-3/#sctn-phishing-attacks).
// Challenges live in the database (any instance can check one) and are spent on first use.
// User verification is required: the passkey stands in for a password and a second factor.
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { SellerStore } from '../store/seller-store';
import { hashSecret } from './secrets';

/** How long the browser (and so the person) has to answer a ceremony. */
export const CEREMONY_TIMEOUT_MS = 5 * 60_000;

export interface PasskeyOptions {
  store: SellerStore;
  publicUrl: string;
  /** The name the passkey prompt shows (the brand's shop name). */
  rpName: string;
}

/** Why a ceremony was refused; the route maps each to a 4xx. */
export class PasskeyError extends Error {
  constructor(
    readonly reason: 'invalid_enrolment_link' | 'passkey_not_recognised' | 'passkey_verification_failed',
    message: string,
  ) {
    super(message);
    this.name = 'PasskeyError';
  }
}

export function createPasskeys({ store, publicUrl, rpName }: PasskeyOptions) {
  const origin = new URL(publicUrl).origin;
  const rpID = new URL(publicUrl).hostname;
  const invalidLink = () => new PasskeyError('invalid_enrolment_link', 'This enrolment link is not valid any more. Ask for a new one.');
  const failed = () => new PasskeyError('passkey_verification_failed', 'The passkey could not be verified. Try again.');

  return {
    /** Registration options for the seller an unused enrolment token belongs to. */
    async enrolOptions(token: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const sellerId = await store.findEnrolmentToken(hashSecret(token));
      if (sellerId === undefined) throw invalidLink();
      const seller = await store.findSellerById(sellerId);
      if (!seller) throw invalidLink();
      const existing = await store.listPasskeys(seller.id);
      const options = await generateRegistrationOptions({
        rpName,
        rpID,
        userName: seller.email,
        userID: new TextEncoder().encode(seller.id),
        timeout: CEREMONY_TIMEOUT_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
        // A discoverable credential (a passkey proper): sign-in needs no user name.
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      });
      await store.addChallenge(options.challenge, 'enrol', seller.id, Date.now() + CEREMONY_TIMEOUT_MS);
      return options;
    },

    /** Verifies the new credential, spends the token and stores the passkey; returns its seller. */
    async enrolVerify(token: string, response: RegistrationResponseJSON): Promise<string> {
      const tokenHash = hashSecret(token);
      const sellerId = await store.findEnrolmentToken(tokenHash);
      if (sellerId === undefined) throw invalidLink();
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: (challenge) => store.spendChallenge(challenge, 'enrol', sellerId),
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: true,
        });
      } catch {
        throw failed();
      }
      if (!verification.verified) throw failed();
      // Spent only now, in one conditional update: of two answers racing, one enrols.
      if ((await store.spendEnrolmentToken(tokenHash)) !== sellerId) throw invalidLink();
      const { credential } = verification.registrationInfo;
      await store.addPasskey({
        credentialId: credential.id,
        sellerId,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: credential.transports ?? [],
      });
      return sellerId;
    },

    /** Options for a sign-in with any of this site's passkeys (discoverable: no user name asked). */
    async signInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const options = await generateAuthenticationOptions({ rpID, timeout: CEREMONY_TIMEOUT_MS, userVerification: 'required' });
      await store.addChallenge(options.challenge, 'sign-in', null, Date.now() + CEREMONY_TIMEOUT_MS);
      return options;
    },

    /** Verifies an assertion against the stored passkey; returns its seller. */
    async signInVerify(response: AuthenticationResponseJSON): Promise<string> {
      const passkey = await store.findPasskey(response.id);
      if (!passkey) throw new PasskeyError('passkey_not_recognised', 'That passkey is not registered here.');
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: (challenge) => store.spendChallenge(challenge, 'sign-in', null),
          expectedOrigin: origin,
          expectedRPID: rpID,
          requireUserVerification: true,
          credential: {
            id: passkey.credentialId,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: passkey.counter,
            transports: passkey.transports,
          },
        });
      } catch {
        throw failed();
      }
      if (!verification.verified) throw failed();
      await store.updatePasskeyCounter(passkey.credentialId, verification.authenticationInfo.newCounter);
      return passkey.sellerId;
    },
  };
}

export type Passkeys = ReturnType<typeof createPasskeys>;
