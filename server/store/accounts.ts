/**
 * Accounts (name + scrypt-hashed password, SCRAM verifier, certificate fingerprints) and registered
 * channels (founder, topic, modes, lists) that survive restarts.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { foldCase } from "../../protocol/casemap.ts";
import { type HashedSecret, hashSecret, verifySecret } from "../credentials.ts";
import {
  decodeVerifier,
  deriveScramVerifier,
  encodeVerifier,
  type ScramVerifier,
} from "../scram.ts";
import type { Ban, Channel, Topic } from "../state/channel.ts";
import { ownerId } from "./conversations.ts";

/** An account as other code sees it. */
export interface Account {
  /** The name as registered (display case). */
  name: string;
  created: number;
}

/** What a registered channel keeps. */
export interface RegisteredChannel {
  name: string;
  /** Folded account name of the founder, who is opped on join. */
  founder: string;
  topic: Topic | undefined;
  /** Flag modes, e.g. "nt". */
  modes: string;
  key: string | undefined;
  limit: number | undefined;
  bans: Ban[];
  /** Ban exceptions (+e) and invite exceptions (+I), kept like the bans. */
  banExceptions: Ban[];
  inviteExceptions: Ban[];
  created: number;
  /** The key its history is filed under (store/conversations.ts); its folded name if absent. */
  historyKey?: string;
}

/** A registered channel's state as its registration keeps it (saved after each change). */
export function registrationOf(channel: Channel, founder: string): RegisteredChannel {
  return {
    name: channel.name,
    founder,
    topic: channel.topic,
    modes: [...channel.modes].sort().join(""),
    key: channel.key,
    limit: channel.limit,
    bans: [...channel.bans],
    banExceptions: [...channel.banExceptions],
    inviteExceptions: [...channel.inviteExceptions],
    created: channel.created,
    historyKey: channel.historyKey,
  };
}

/** Why an account could not be created. */
export type CreateAccountResult = "created" | "exists";

/** Certificate fingerprints one account may hold (SASL EXTERNAL): a few devices' worth. */
export const MAX_CERTS_PER_ACCOUNT = 16;

/** What adding a fingerprint came to: `taken` means another account has it. */
export type AddCertResult = "added" | "exists" | "taken" | "full";

/** Account storage; async where password hashing or (later) a shared store is involved. */
export interface AccountStore {
  find(name: string): Account | undefined;
  create(name: string, password: string, now?: number): Promise<CreateAccountResult>;
  /** The account when the password is right, else undefined. */
  verify(name: string, password: string): Promise<Account | undefined>;
  setPassword(name: string, password: string): Promise<void>;
  /**
   * The account's SCRAM-SHA-256 verifier: made with the password at registration, or at the first
   * password login of an older account (`verify` adds it); undefined until then.
   */
  scramVerifier(name: string): Promise<ScramVerifier | undefined>;
  /** The account a client certificate (SHA-256 fingerprint, lowercase hex) logs in to. */
  certAccount(fp: string): Promise<Account | undefined>;
  addCert(name: string, fp: string): Promise<AddCertResult>;
  /** False when the account did not have it. */
  deleteCert(name: string, fp: string): Promise<boolean>;
  certs(name: string): Promise<string[]>;
  /**
   * Deletes the account and, with it, the registrations of the channels it founded: whoever
   * registers the name next must inherit nothing. Resolves once both are gone.
   */
  dropAccount(name: string): Promise<void>;
}

/** Registered-channel storage: the hub restores a channel's state from it when it is recreated. */
export interface ChannelRegistry {
  load(name: string): RegisteredChannel | undefined;
  save(channel: RegisteredChannel): void;
  dropChannel(name: string): void;
}

/** Both stores in the SQLite database. */
export class SqliteAccounts implements AccountStore, ChannelRegistry {
  readonly #find: StatementSync;
  readonly #insert: StatementSync;
  readonly #setPassword: StatementSync;
  readonly #scram: StatementSync;
  readonly #setScram: StatementSync;
  readonly #certAccount: StatementSync;
  readonly #addCert: StatementSync;
  readonly #deleteCert: StatementSync;
  readonly #certs: StatementSync;
  readonly #dropCerts: StatementSync;
  readonly #db: DatabaseSync;
  readonly #dropAccount: StatementSync;
  readonly #dropFounded: StatementSync;
  readonly #dropMarkers: StatementSync;
  readonly #dropAlwaysOn: StatementSync;
  readonly #loadChannel: StatementSync;
  readonly #saveChannel: StatementSync;
  readonly #dropChannel: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    // Registrations left behind by accounts dropped before a drop took them along (issue 17).
    db.exec("DELETE FROM channels WHERE founder NOT IN (SELECT name FROM accounts)");
    this.#find = db.prepare("SELECT display, salt, hash, created FROM accounts WHERE name = ?");
    this.#insert = db.prepare(
      `INSERT OR IGNORE INTO accounts (name, display, salt, hash, created, scram)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#setPassword = db.prepare(
      "UPDATE accounts SET salt = ?, hash = ?, scram = ? WHERE name = ?",
    );
    this.#scram = db.prepare("SELECT scram FROM accounts WHERE name = ?");
    this.#setScram = db.prepare("UPDATE accounts SET scram = ? WHERE name = ?");
    this.#certAccount = db.prepare(
      `SELECT display, created FROM cert_fps JOIN accounts ON accounts.name = cert_fps.account
       WHERE fp = ?`,
    );
    this.#addCert = db.prepare("INSERT OR IGNORE INTO cert_fps (fp, account) VALUES (?, ?)");
    this.#deleteCert = db.prepare("DELETE FROM cert_fps WHERE fp = ? AND account = ?");
    this.#certs = db.prepare("SELECT fp FROM cert_fps WHERE account = ? ORDER BY fp");
    this.#dropCerts = db.prepare("DELETE FROM cert_fps WHERE account = ?");
    this.#dropAccount = db.prepare("DELETE FROM accounts WHERE name = ?");
    this.#dropFounded = db.prepare("DELETE FROM channels WHERE founder = ?");
    this.#dropMarkers = db.prepare("DELETE FROM read_markers WHERE account = ?");
    this.#dropAlwaysOn = db.prepare("DELETE FROM always_on WHERE account = ?");
    this.#loadChannel = db.prepare("SELECT * FROM channels WHERE name = ?");
    this.#saveChannel = db.prepare(
      `INSERT OR REPLACE INTO channels
         (name, display, founder, topic, topic_by, topic_at, modes, channel_key, user_limit, bans,
          created, history_key, ban_exceptions, invite_exceptions)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#dropChannel = db.prepare("DELETE FROM channels WHERE name = ?");
  }

  #row(name: string) {
    return this.#find.get(foldCase(name)) as
      | { display: string; salt: Uint8Array; hash: Uint8Array; created: number }
      | undefined;
  }

  find(name: string): Account | undefined {
    const row = this.#row(name);
    return row && { name: row.display, created: row.created };
  }

  async create(name: string, password: string, now = Date.now()): Promise<CreateAccountResult> {
    if (this.#row(name)) return "exists";
    const [secret, scram] = await Promise.all([
      hashSecret(password),
      deriveScramVerifier(password),
    ]);
    const changes = this.#insert.run(
      foldCase(name),
      name,
      secret.salt,
      secret.hash,
      now,
      encodeVerifier(scram),
    ).changes;
    return Number(changes) === 1 ? "created" : "exists";
  }

  async verify(name: string, password: string): Promise<Account | undefined> {
    const row = this.#row(name);
    // Hash even for unknown names, so timing does not tell which accounts exist.
    const stored: HashedSecret = row
      ? { salt: row.salt, hash: row.hash }
      : { salt: new Uint8Array(16), hash: new Uint8Array(32) };
    const ok = await verifySecret(stored, password);
    if (!ok || !row) return undefined;
    if (await this.scramVerifier(name) === undefined) {
      // an account from before SCRAM: the right password makes its verifier now
      this.#setScram.run(encodeVerifier(await deriveScramVerifier(password)), foldCase(name));
    }
    return { name: row.display, created: row.created };
  }

  async setPassword(name: string, password: string): Promise<void> {
    const [secret, scram] = await Promise.all([
      hashSecret(password),
      deriveScramVerifier(password),
    ]);
    this.#setPassword.run(secret.salt, secret.hash, encodeVerifier(scram), foldCase(name));
  }

  scramVerifier(name: string): Promise<ScramVerifier | undefined> {
    const row = this.#scram.get(foldCase(name)) as { scram: string | null } | undefined;
    return Promise.resolve(row?.scram ? decodeVerifier(row.scram) : undefined);
  }

  certAccount(fp: string): Promise<Account | undefined> {
    const row = this.#certAccount.get(fp) as { display: string; created: number } | undefined;
    return Promise.resolve(row && { name: row.display, created: row.created });
  }

  addCert(name: string, fp: string): Promise<AddCertResult> {
    const folded = foldCase(name);
    const owner = this.#db.prepare("SELECT account FROM cert_fps WHERE fp = ?").get(fp) as
      | { account: string }
      | undefined;
    if (owner) return Promise.resolve(owner.account === folded ? "exists" : "taken");
    if (this.#certs.all(folded).length >= MAX_CERTS_PER_ACCOUNT) return Promise.resolve("full");
    this.#addCert.run(fp, folded);
    return Promise.resolve("added");
  }

  deleteCert(name: string, fp: string): Promise<boolean> {
    return Promise.resolve(Number(this.#deleteCert.run(fp, foldCase(name)).changes) === 1);
  }

  certs(name: string): Promise<string[]> {
    const rows = this.#certs.all(foldCase(name)) as { fp: string }[];
    return Promise.resolve(rows.map((r) => r.fp));
  }

  dropAccount(name: string): Promise<void> {
    const folded = foldCase(name);
    this.#db.exec("BEGIN");
    try {
      this.#dropFounded.run(folded);
      this.#dropMarkers.run(folded);
      this.#dropAlwaysOn.run(folded);
      this.#dropCerts.run(folded);
      this.#dropAccount.run(folded);
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
    return Promise.resolve();
  }

  load(name: string): RegisteredChannel | undefined {
    const r = this.#loadChannel.get(foldCase(name)) as Record<string, unknown> | undefined;
    if (!r) return undefined;
    return {
      name: r.display as string,
      founder: r.founder as string,
      topic: r.topic === null ? undefined : {
        text: r.topic as string,
        setBy: r.topic_by as string,
        setAt: r.topic_at as number,
      },
      modes: r.modes as string,
      key: (r.channel_key as string | null) ?? undefined,
      limit: (r.user_limit as number | null) ?? undefined,
      bans: JSON.parse(r.bans as string),
      banExceptions: JSON.parse((r.ban_exceptions as string | null) ?? "[]"),
      inviteExceptions: JSON.parse((r.invite_exceptions as string | null) ?? "[]"),
      created: r.created as number,
      historyKey: (r.history_key as string | null) ?? undefined,
    };
  }

  save(c: RegisteredChannel): void {
    this.#saveChannel.run(
      foldCase(c.name),
      c.name,
      c.founder,
      c.topic?.text ?? null,
      c.topic?.setBy ?? null,
      c.topic?.setAt ?? null,
      c.modes,
      c.key ?? null,
      c.limit ?? null,
      JSON.stringify(c.bans),
      c.created,
      c.historyKey ?? null,
      JSON.stringify(c.banExceptions),
      JSON.stringify(c.inviteExceptions),
    );
  }

  dropChannel(name: string): void {
    this.#dropChannel.run(foldCase(name));
  }

  /** The owner ids of every account (history kept for anyone else is swept). */
  ownerIds(): Set<string> {
    const rows = this.#db.prepare("SELECT display, created FROM accounts").all() as {
      display: string;
      created: number;
    }[];
    return new Set(rows.map((r) => ownerId({ name: r.display, created: r.created })));
  }

  /** The history keys of every registered channel. */
  channelHistoryKeys(): Set<string> {
    const rows = this.#db.prepare("SELECT name, history_key FROM channels").all() as {
      name: string;
      history_key: string | null;
    }[];
    return new Set(rows.map((r) => r.history_key ?? r.name));
  }
}
