/**
 * SCRAM-SHA-256 (RFC 5802, RFC 7677), the server's side: the verifier an account keeps instead of
 * its password (salt, iteration count, StoredKey, ServerKey), and one exchange: client-first in,
 * server-first out, client-final in, server-final out when the proof is right. No I/O here; the
 * AUTHENTICATE framing is in commands/sasl_scram.ts. Channel binding is not offered (`n,,` and
 * `y,,` only).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";

/** RFC 7677's minimum: each verifier costs one PBKDF2 of this many rounds, at registration. */
export const SCRAM_ITERATIONS = 4096;
/** Longest client nonce taken: a client may not make the server hold or echo more. */
export const MAX_CLIENT_NONCE = 256;
/** Longest decoded SCRAM message from a client. */
export const MAX_SCRAM_MESSAGE = 1024;

/** What an account keeps for SCRAM: enough to check a proof, never enough to make one. */
export interface ScramVerifier {
  salt: Uint8Array;
  iterations: number;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

function hmac(key: Uint8Array, text: string): Uint8Array {
  return createHmac("sha256", key).update(text).digest();
}

function b64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64");
}

/**
 * The verifier of `password`. The password is NFKC-normalised, which is what SASLprep does to
 * any password a person types (its prohibited characters aside), so clients that SASLprep agree.
 */
export function deriveScramVerifier(
  password: string,
  salt: Uint8Array = randomBytes(16),
  iterations = SCRAM_ITERATIONS,
): Promise<ScramVerifier> {
  return new Promise((resolve, reject) =>
    pbkdf2(password.normalize("NFKC"), salt, iterations, 32, "sha256", (err, salted) => {
      if (err) return reject(err);
      const clientKey = hmac(salted, "Client Key");
      resolve({
        salt,
        iterations,
        storedKey: createHash("sha256").update(clientKey).digest(),
        serverKey: hmac(salted, "Server Key"),
      });
    })
  );
}

/** The verifier as one string for a store: `iterations:salt:storedKey:serverKey` in base64. */
export function encodeVerifier(v: ScramVerifier): string {
  return [String(v.iterations), b64(v.salt), b64(v.storedKey), b64(v.serverKey)].join(":");
}

/** The verifier from `encodeVerifier`; undefined for anything else. */
export function decodeVerifier(text: string): ScramVerifier | undefined {
  const [iterations, salt, storedKey, serverKey, ...rest] = text.split(":");
  if (rest.length > 0 || !/^\d+$/.test(iterations ?? "") || !salt || !storedKey || !serverKey) {
    return undefined;
  }
  return {
    iterations: Number(iterations),
    salt: Buffer.from(salt, "base64"),
    storedKey: Buffer.from(storedKey, "base64"),
    serverKey: Buffer.from(serverKey, "base64"),
  };
}

/** The parts of a client-first message the exchange needs. */
export interface ClientFirst {
  /** The GS2 header (`n,,` or `y,,`), which client-final must repeat in `c=`. */
  gs2: string;
  /** client-first-message-bare, part of what is signed. */
  bare: string;
  username: string;
  nonce: string;
}

/** `=2C` and `=3D` decoded; undefined for any other `=` (RFC 5802 saslname). */
function decodeSaslName(text: string): string | undefined {
  if (/=(?!2C|3D)/.test(text)) return undefined;
  return text.replace(/=2C/g, ",").replace(/=3D/g, "=");
}

const NONCE = /^[\x21-\x2b\x2d-\x7e]+$/;

/**
 * Parses a client-first message; undefined when malformed, when it asks for channel binding or
 * a mandatory extension, or authorizes as someone other than the user it authenticates.
 */
export function parseClientFirst(text: string): ClientFirst | undefined {
  const m = /^[ny],(?:a=([^,]*))?,(n=([^,]*),r=([^,]*)(?:,.*)?)$/.exec(text);
  if (!m) return undefined;
  const [, authzid, bare, name, nonce] = m;
  const username = decodeSaslName(name!);
  if (!username || !NONCE.test(nonce!) || nonce!.length > MAX_CLIENT_NONCE) return undefined;
  if (authzid !== undefined && authzid !== "" && decodeSaslName(authzid) !== username) {
    return undefined;
  }
  return { gs2: text.slice(0, text.length - bare!.length), bare: bare!, username, nonce: nonce! };
}

/** One SCRAM exchange after client-first: its server-first message and the check of the proof. */
export class ScramExchange {
  readonly #first: ClientFirst;
  readonly #verifier: ScramVerifier;
  readonly #nonce: string;
  /** Set for an unknown account: the proof is never right, whatever it is. */
  readonly #fake: boolean;
  /** The server-first message. */
  readonly serverFirst: string;

  constructor(
    first: ClientFirst,
    verifier: ScramVerifier,
    fake = false,
    serverNonce = b64(randomBytes(18)),
  ) {
    this.#first = first;
    this.#verifier = verifier;
    this.#fake = fake;
    this.#nonce = first.nonce + serverNonce;
    this.serverFirst = `r=${this.#nonce},s=${b64(verifier.salt)},i=${verifier.iterations}`;
  }

  /** The server-final message (`v=…`) when client-final proves the password, else undefined. */
  finish(clientFinal: string): string | undefined {
    const at = clientFinal.lastIndexOf(",p=");
    if (at === -1) return undefined;
    const withoutProof = clientFinal.slice(0, at);
    const [binding, nonce] = withoutProof.split(",");
    if (binding !== `c=${b64(new TextEncoder().encode(this.#first.gs2))}`) return undefined;
    if (nonce !== `r=${this.#nonce}`) return undefined;
    const proof = Buffer.from(clientFinal.slice(at + 3), "base64");
    const { storedKey, serverKey } = this.#verifier;
    if (proof.length !== storedKey.length) return undefined;
    const authMessage = `${this.#first.bare},${this.serverFirst},${withoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const clientKey = proof.map((b, i) => b ^ signature[i]!);
    const ok = timingSafeEqual(createHash("sha256").update(clientKey).digest(), storedKey);
    if (!ok || this.#fake) return undefined;
    return `v=${b64(hmac(serverKey, authMessage))}`;
  }
}

const FAKE_KEY = randomBytes(32);

/**
 * A verifier for a name with none: its salt is the same on every attempt (derived from the name
 * with a key of this process), so the reply does not tell that the account does not exist.
 */
export function fakeVerifier(foldedName: string): ScramVerifier {
  return {
    salt: hmac(FAKE_KEY, `salt:${foldedName}`).subarray(0, 16),
    iterations: SCRAM_ITERATIONS,
    storedKey: randomBytes(32),
    serverKey: randomBytes(32),
  };
}
