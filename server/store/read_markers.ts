/**
 * Read markers (IRCv3 `draft/read-marker`): for each account and conversation, the time of the
 * last message its owner has read, on whichever device. A marker only moves forward and is never
 * shown to anyone but the account's own connections.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/**
 * Conversations with a marker, per account, at most: a client naming ever new nicks must not
 * grow the store without end.
 */
export const MAX_MARKERS_PER_ACCOUNT = 1000;

/** Where read markers are kept; accounts and targets are folded names. */
export interface ReadMarkers {
  /** The marker of `target` for `account`, in milliseconds since the epoch; undefined if none. */
  get(account: string, target: string): Promise<number | undefined>;
  /**
   * Moves the marker forward to `time`; resolves with the marker as kept (the later of both), or
   * undefined when the account has `MAX_MARKERS_PER_ACCOUNT` others and this would be one more.
   */
  set(account: string, target: string, time: number): Promise<number | undefined>;
}

/** Read markers in the SQLite file (table `read_markers`; dropped with their account). */
export class SqliteReadMarkers implements ReadMarkers {
  readonly #get: StatementSync;
  readonly #set: StatementSync;

  constructor(db: DatabaseSync) {
    this.#get = db.prepare("SELECT time FROM read_markers WHERE account = ? AND target = ?");
    this.#set = db.prepare(
      `INSERT INTO read_markers (account, target, time)
       SELECT :account, :target, :time
       WHERE (SELECT count(*) FROM read_markers WHERE account = :account) < ${MAX_MARKERS_PER_ACCOUNT}
          OR EXISTS (SELECT 1 FROM read_markers WHERE account = :account AND target = :target)
       ON CONFLICT (account, target) DO UPDATE SET time = max(time, excluded.time)`,
    );
  }

  get(account: string, target: string): Promise<number | undefined> {
    try {
      const row = this.#get.get(account, target) as { time: number } | undefined;
      return Promise.resolve(row?.time);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  set(account: string, target: string, time: number): Promise<number | undefined> {
    try {
      this.#set.run({ account, target, time });
    } catch (err) {
      return Promise.reject(err);
    }
    return this.get(account, target);
  }
}
