/**
 * Deleting history without stalling the server: conversations nobody may read any more (a
 * channel's life that ended, a dropped account's copies, what the start-up sweep found) go a
 * bounded step at a time from the server's clock; retention passes yield the event loop between
 * slices. A conversation's rows are spread over the file, so a row costs up to ~60 µs to delete,
 * and deletions weigh more than inserts toward the next WAL checkpoint (checkpointer.ts).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { msgidTime } from "../msgid.ts";
import { RETRY_MAX_MS } from "./outage.ts";
import type { RetentionPolicy } from "./history.ts";
import { classifySqliteFailure } from "./sqlite_failure.ts";

/** How long one `maintain` step may delete for: a few ms of the event loop. */
export const DELETE_STEP_MS = 3;
/** Rows deleted per statement inside a step. */
const DELETE_CHUNK_ROWS = 32;
/**
 * A deleted row counts as this many inserted ones toward a checkpoint: deletions touch pages all
 * over the file, and a checkpoint's cost is the pages it copies (50,000 scattered deletions made
 * a 380 ms checkpoint; 2,000 make one of a few ms).
 */
export const DELETE_WEIGHT = 25;

/** What the deletions need from the history writer they share the file with. */
export interface DeletionHooks {
  /** Commits queued rows first: a conversation's last rows go with it. */
  flush(): unknown;
  /** Rows deleted and committed (toward the next checkpoint). */
  deleted(rows: number): void;
  /** The store is in an outage: its queued rows are stored first, deletions wait. */
  unavailable(): boolean;
}

/** The deletions of one history database. */
export class HistoryDeletion {
  readonly #db: DatabaseSync;
  readonly #hooks: DeletionHooks;
  readonly #allOfOwner: StatementSync;
  readonly #deleteSome: StatementSync;
  readonly #deleteSummary: StatementSync;
  readonly #deleteOne: StatementSync;
  /** Conversations to delete, a bounded step at a time (`maintain`). */
  readonly #doomed = new Set<string>();
  #pruning: Promise<number> | undefined;
  /** `maintain` found the database locked: it waits until then (performance.now()). */
  #maintainAfter = 0;

  constructor(db: DatabaseSync, hooks: DeletionHooks) {
    this.#db = db;
    this.#hooks = hooks;
    this.#allOfOwner = db.prepare(
      `SELECT conversation FROM private_conversations WHERE owner = ?`,
    );
    this.#deleteSome = db.prepare(
      `DELETE FROM messages WHERE id IN
         (SELECT id FROM messages WHERE conversation = ? LIMIT ?)`,
    );
    this.#deleteSummary = db.prepare(`DELETE FROM private_conversations WHERE conversation = ?`);
    // the FTS trigger takes the text out of the search index with the row
    this.#deleteOne = db.prepare(
      `DELETE FROM messages WHERE conversation = ? AND time = ? AND msgid = ?`,
    );
  }

  /**
   * Deletes one message (its copy in each conversation) at once: a redaction. Returns how many
   * rows went; throws when the database is unavailable.
   */
  redact(conversations: string[], msgid: string): number {
    const time = msgidTime(msgid);
    if (time === undefined) return 0;
    this.#hooks.flush(); // the message may still be queued
    let deleted = 0;
    for (const c of conversations) deleted += Number(this.#deleteOne.run(c, time, msgid).changes);
    this.#hooks.deleted(deleted);
    return deleted;
  }

  /** Queues a conversation for deletion. */
  forget(conversation: string): void {
    this.#doomed.add(conversation);
  }

  /** Queues every private conversation an owner keeps. */
  forgetOwner(owner: string): void {
    this.#hooks.flush();
    const rows = this.#allOfOwner.all(owner) as { conversation: string }[];
    for (const { conversation } of rows) this.#doomed.add(conversation);
  }

  /**
   * Deletes conversations a life, an account or the start-up sweep left behind, in small chunks
   * for at most `budgetMs` (the server's clock calls this); returns how many messages it deleted.
   * A conversation's rows are spread over the file, so a row costs up to ~60 µs to delete.
   */
  maintain(budgetMs = DELETE_STEP_MS): number {
    // during an outage the queued rows are stored first, and the deletions follow them
    if (this.#doomed.size === 0 || this.#hooks.unavailable()) return 0;
    if (performance.now() < this.#maintainAfter) return 0;
    try {
      return this.#deleteDoomed(budgetMs);
    } catch (err) {
      if (classifySqliteFailure(err) !== "unavailable") throw err;
      this.#maintainAfter = performance.now() + RETRY_MAX_MS; // another process holds the lock
      return 0;
    }
  }

  #deleteDoomed(budgetMs: number): number {
    const started = performance.now();
    let deleted = 0;
    this.#hooks.flush(); // a conversation's last queued rows go with it
    for (const conversation of this.#doomed) {
      for (;;) {
        const n = Number(this.#deleteSome.run(conversation, DELETE_CHUNK_ROWS).changes);
        deleted += n;
        if (n < DELETE_CHUNK_ROWS) break;
        if (performance.now() - started >= budgetMs) {
          this.#hooks.deleted(deleted);
          return deleted;
        }
      }
      this.#deleteSummary.run(conversation);
      this.#doomed.delete(conversation);
      if (performance.now() - started >= budgetMs) break;
    }
    this.#hooks.deleted(deleted);
    return deleted;
  }

  /** True while deletions wait for `maintain`. */
  get maintaining(): boolean {
    return this.#doomed.size > 0;
  }

  /**
   * Queues for deletion every conversation `keep` says no longer has an owner: lives of channels
   * that ended with the last process, private copies of dropped accounts. Walks the distinct
   * conversations one index seek at a time.
   */
  sweep(keep: (conversation: string) => boolean): number {
    this.#hooks.flush();
    const next = this.#db.prepare(
      `SELECT conversation FROM messages WHERE conversation > ? ORDER BY conversation LIMIT 1`,
    );
    let doomed = 0;
    for (let at = "";;) {
      const row = next.get(at) as { conversation: string } | undefined;
      if (!row) break;
      at = row.conversation;
      if (!keep(at)) {
        this.#doomed.add(at);
        doomed++;
      }
    }
    const summaries = this.#db.prepare(`SELECT conversation FROM private_conversations`).all() as {
      conversation: string;
    }[];
    for (const { conversation } of summaries) {
      if (!keep(conversation)) this.#doomed.add(conversation);
    }
    return doomed;
  }

  /**
   * Applies the retention policy in slices of at most DELETE_STEP_MS, yielding the event loop
   * between them (a pass over a million messages never holds it for long); one pass at a time.
   */
  prune(policy: RetentionPolicy, now: number): Promise<number> {
    this.#pruning ??= this.#prune(policy, now).finally(() => this.#pruning = undefined);
    return this.#pruning;
  }

  async #prune(policy: RetentionPolicy, now: number): Promise<number> {
    this.#hooks.flush();
    let deleted = 0;
    let slice = performance.now();
    const pause = async () => {
      if (performance.now() - slice < DELETE_STEP_MS) return;
      await new Promise((resolve) => setTimeout(resolve, 0));
      slice = performance.now();
    };
    /** Runs a chunked DELETE until it deletes less than a chunk. */
    const drain = async (chunk: () => number) => {
      for (;;) {
        const n = chunk();
        deleted += n;
        this.#hooks.deleted(n);
        if (n < DELETE_CHUNK_ROWS) return;
        await pause();
      }
    };
    if (policy.maxAgeMs > 0) {
      const older = this.#db.prepare(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE time < ? LIMIT ?)`,
      );
      await drain(() => Number(older.run(now - policy.maxAgeMs, DELETE_CHUNK_ROWS).changes));
    }
    if (policy.maxPerConversation > 0) {
      const next = this.#db.prepare(
        `SELECT conversation FROM messages WHERE conversation > ? ORDER BY conversation LIMIT 1`,
      );
      // the newest message that goes: the first one past the limit, newest first
      const edge = this.#db.prepare(
        `SELECT time, id FROM messages WHERE conversation = ? ORDER BY time DESC, id DESC
         LIMIT 1 OFFSET ?`,
      );
      const trim = this.#db.prepare(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE conversation = ?
         AND (time < ? OR (time = ? AND id <= ?)) LIMIT ?)`,
      );
      for (let at = "";;) {
        const row = next.get(at) as { conversation: string } | undefined;
        if (!row) break;
        at = row.conversation;
        const last = edge.get(at, policy.maxPerConversation) as
          | { time: number; id: number }
          | undefined;
        if (last) {
          await drain(() =>
            Number(trim.run(at, last.time, last.time, last.id, DELETE_CHUNK_ROWS).changes)
          );
        }
        await pause();
      }
    }
    return deleted;
  }
}
