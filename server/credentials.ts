/**
 * Secrets the server checks (operator and server passwords): kept only as salted scrypt hashes
 * and compared in constant time.
 *
 * @module
 */

import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** A salted hash of a secret; the secret itself is never kept. */
export interface HashedSecret {
  salt: Uint8Array;
  hash: Uint8Array;
}

const KEY_LENGTH = 32;

let derivations = 0;

/**
 * How many scrypt derivations this process has run: each costs ~50 ms of a worker thread, so
 * tests (and anyone auditing the throttles) can check what a client made the server hash.
 */
export function scryptRuns(): number {
  return derivations;
}

function derive(secret: string, salt: Uint8Array): Promise<Uint8Array> {
  derivations++;
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, KEY_LENGTH, (err, key) => err ? reject(err) : resolve(key))
  );
}

/** Hashes a secret with a fresh random salt. */
export async function hashSecret(secret: string): Promise<HashedSecret> {
  const salt = randomBytes(16);
  return { salt, hash: await derive(secret, salt) };
}

/** True when `attempt` is the secret behind `stored`; runs in constant time for equal lengths. */
export async function verifySecret(stored: HashedSecret, attempt: string): Promise<boolean> {
  const hash = await derive(attempt, stored.salt);
  return timingSafeEqual(hash, stored.hash);
}
