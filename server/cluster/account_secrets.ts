/**
 * What an account logs in with, in Redis: the password hash and SCRAM-SHA-256 verifier (one JSON
 * value per account in `acctpw`, written whole by registration and password changes) and its TLS
 * client certificate fingerprints (`certfp`: fingerprint → account, `certs:<account>`: its set,
 * changed only by the certAdd/certDel scripts so that a fingerprint has one owner). Read straight
 * from Redis when someone logs in, on whichever node; nothing here is replicated.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { type HashedSecret, hashSecret, verifySecret } from "../credentials.ts";
import type { Logger } from "../log.ts";
import {
  decodeVerifier,
  deriveScramVerifier,
  encodeVerifier,
  type ScramVerifier,
} from "../scram.ts";
import { type AddCertResult, MAX_CERTS_PER_ACCOUNT } from "../store/accounts.ts";
import type { ClusterHub } from "./cluster_hub.ts";
import { type RedisLink, RedisUnavailableError } from "./redis_client.ts";
import { PREFIX } from "./scripts.ts";
import { errorMessage } from "../../util/error_message.ts";

/** An account's `acctpw` value; `scram` is absent for accounts older than SCRAM. */
interface StoredSecret {
  salt: string;
  hash: string;
  scram?: string;
}

const DUMMY: HashedSecret = { salt: new Uint8Array(16), hash: new Uint8Array(32) };

/** The `acctpw` value for a new password: its hash and its SCRAM verifier. */
export async function storedSecretOf(password: string): Promise<string> {
  const [secret, scram] = await Promise.all([hashSecret(password), deriveScramVerifier(password)]);
  const stored: StoredSecret = {
    salt: Buffer.from(secret.salt).toString("base64"),
    hash: Buffer.from(secret.hash).toString("base64"),
    scram: encodeVerifier(scram),
  };
  return JSON.stringify(stored);
}

/** Password, SCRAM and certificate checks of accounts kept in Redis. */
export class RedisAccountSecrets {
  readonly #hub: ClusterHub;
  readonly #link: RedisLink;
  readonly #log: Logger;

  constructor(hub: ClusterHub, link: RedisLink, log: Logger) {
    this.#hub = hub;
    this.#link = link;
    this.#log = log;
  }

  /**
   * The account's public record when `password` is right, else undefined. Hashes even for unknown
   * names, so timing does not tell which accounts exist. An account without a SCRAM verifier
   * gains one here.
   */
  async check(
    folded: string,
    password: string,
  ): Promise<{ name: string; created: number } | undefined> {
    let account: { name: string; created: number } | undefined;
    let stored: HashedSecret = DUMMY;
    let secret: StoredSecret | undefined;
    try {
      const [pub, raw] = await Promise.all([
        this.#link.cmd.hget(`${PREFIX}acct`, folded),
        this.#link.cmd.hget(`${PREFIX}acctpw`, folded),
      ]);
      if (pub && raw) {
        account = JSON.parse(pub);
        secret = JSON.parse(raw) as StoredSecret;
        stored = {
          salt: Buffer.from(secret.salt, "base64"),
          hash: Buffer.from(secret.hash, "base64"),
        };
      }
    } catch (err) {
      this.#log.warn(`accounts: cannot check ${folded}: ${errorMessage(err)}`);
    }
    const ok = await verifySecret(stored, password);
    if (!ok || !account || !secret) return undefined;
    if (secret.scram === undefined) {
      const scram = encodeVerifier(await deriveScramVerifier(password));
      await this.#link.cmd.hset(
        `${PREFIX}acctpw`,
        folded,
        JSON.stringify({ ...secret, scram }),
      ).catch((err) => this.#log.warn(`accounts: cannot save ${folded}'s SCRAM verifier: ${err}`));
    }
    return { name: account.name, created: account.created };
  }

  /** Replaces the account's password (hash and verifier). */
  async setPassword(folded: string, password: string): Promise<void> {
    await this.#link.cmd.hset(`${PREFIX}acctpw`, folded, await storedSecretOf(password));
  }

  async scramVerifier(folded: string): Promise<ScramVerifier | undefined> {
    const raw = await this.#link.cmd.hget(`${PREFIX}acctpw`, folded);
    const scram = raw ? (JSON.parse(raw) as StoredSecret).scram : undefined;
    return scram === undefined ? undefined : decodeVerifier(scram);
  }

  /** The folded name of the account holding `fp`. */
  async certOwner(fp: string): Promise<string | undefined> {
    return (await this.#link.cmd.hget(`${PREFIX}certfp`, fp)) ?? undefined;
  }

  async addCert(folded: string, fp: string): Promise<AddCertResult> {
    const r = await this.#hub.run("certAdd", [fp, folded, MAX_CERTS_PER_ACCOUNT]);
    if (!r.ok) throw new RedisUnavailableError("the network is unavailable");
    return r.value as AddCertResult;
  }

  async deleteCert(folded: string, fp: string): Promise<boolean> {
    const r = await this.#hub.run("certDel", [fp, folded]);
    if (!r.ok) throw new RedisUnavailableError("the network is unavailable");
    return r.value === 1;
  }

  async certs(folded: string): Promise<string[]> {
    return (await this.#link.cmd.smembers(`${PREFIX}certs:${folded}`)).sort();
  }
}
