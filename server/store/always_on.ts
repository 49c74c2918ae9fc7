/**
 * Always-on users as a restart finds them: each account's user that stays present with no
 * connection (its nick, modes, away, channels with their status and settings), and each account's
 * own always-on choice. Written when such a user changes; read once at start.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { foldCase } from "../../protocol/casemap.ts";
import type { ChannelSettings } from "../network/events.ts";

/** One always-on user, enough to bring it back as it was. */
export interface AlwaysOnRecord {
  /** The account (display case). */
  account: string;
  nick: string;
  username: string;
  hostname: string;
  realname: string;
  /** User modes, e.g. "iw". */
  modes: string;
  away: string | undefined;
  /** When its last session ended; undefined while one is attached. Expiry counts from it. */
  lastSeen: number | undefined;
  /** Its channels: its status bits in each and the channel's settings when last saved. */
  channels: { status: number; settings: ChannelSettings }[];
}

/** Where always-on users and choices are kept; accounts are looked up case-insensitively. */
export interface AlwaysOnStore {
  /** Saves (replaces) the record of `record.account`'s user. */
  save(record: AlwaysOnRecord): void;
  /** Forgets the account's user (it ended, or the account was dropped). */
  forget(account: string): void;
  /** Every saved user. */
  all(): Promise<AlwaysOnRecord[]>;
  /** The account's own choice (`NICKSERV SET ALWAYS-ON`); undefined: the server's policy. */
  choice(account: string): Promise<boolean | undefined>;
  setChoice(account: string, on: boolean): Promise<void>;
}

/** Always-on users in the SQLite file (table `always_on`; the choice is a column of `accounts`). */
export class SqliteAlwaysOn implements AlwaysOnStore {
  readonly #save: StatementSync;
  readonly #forget: StatementSync;
  readonly #all: StatementSync;
  readonly #choice: StatementSync;
  readonly #setChoice: StatementSync;

  constructor(db: DatabaseSync) {
    this.#save = db.prepare("INSERT OR REPLACE INTO always_on (account, record) VALUES (?, ?)");
    this.#forget = db.prepare("DELETE FROM always_on WHERE account = ?");
    this.#all = db.prepare("SELECT record FROM always_on");
    this.#choice = db.prepare("SELECT always_on FROM accounts WHERE name = ?");
    this.#setChoice = db.prepare("UPDATE accounts SET always_on = ? WHERE name = ?");
  }

  save(record: AlwaysOnRecord): void {
    this.#save.run(foldCase(record.account), JSON.stringify(record));
  }

  forget(account: string): void {
    this.#forget.run(foldCase(account));
  }

  /** The history keys of the channels saved users are in (kept by the start-up sweep). */
  historyKeys(): Set<string> {
    const keys = new Set<string>();
    for (const r of this.#all.all() as { record: string }[]) {
      const record = JSON.parse(r.record) as AlwaysOnRecord;
      for (const c of record.channels) keys.add(c.settings.historyKey);
    }
    return keys;
  }

  all(): Promise<AlwaysOnRecord[]> {
    const rows = this.#all.all() as { record: string }[];
    return Promise.resolve(rows.map((r) => JSON.parse(r.record) as AlwaysOnRecord));
  }

  choice(account: string): Promise<boolean | undefined> {
    const row = this.#choice.get(foldCase(account)) as { always_on: number | null } | undefined;
    const value = row?.always_on;
    return Promise.resolve(value === null || value === undefined ? undefined : value === 1);
  }

  setChoice(account: string, on: boolean): Promise<void> {
    this.#setChoice.run(on ? 1 : 0, foldCase(account));
    return Promise.resolve();
  }
}
