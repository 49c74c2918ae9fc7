/**
 * Message history: every channel and private message, kept with its msgid, time, sender and
 * target, and the queries IRCv3 `draft/chathistory` asks for.
 *
 * Writes never slow the fan-out: `append` only queues, and the queue is committed in one
 * transaction (multi-row INSERTs) every few milliseconds or every few hundred messages. The one
 * promise kept to clients: a message whose echo (echo-message) a client received is stored.
 * Before anything is written to the socket of a client with echo-message, the session commits
 * the queue (`flush`), so even a server killed right after loses nothing that was acknowledged.
 *
 * Checkpoints (copying the WAL back into the database file, with an fsync) are not left to SQLite's
 * automatic one inside whichever COMMIT crosses 1,000 pages: that put a third of the cost of storing
 * a message into the message path of a busy moment. They run after a quiet second instead, or at
 * once when a long busy stretch has committed CHECKPOINT_ROWS since the last one (bounding the WAL).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { msgidTime } from "../msgid.ts";
import { ownerOf } from "./conversations.ts";

/** One stored PRIVMSG or NOTICE. */
export interface StoredMessage {
  msgid: string;
  /** Milliseconds since the epoch. */
  time: number;
  /** The target as sent: a channel name or a nick. */
  target: string;
  /** `nick!user@host` of the sender. */
  source: string;
  account?: string;
  command: "PRIVMSG" | "NOTICE";
  text: string;
  /** Client-only tags (`+name`) the sender attached. */
  tags?: Record<string, string>;
}

/** A point in a conversation: a message id or a timestamp (ms); `*` means "now" for LATEST. */
export type MessageRef = { msgid: string } | { time: number } | "*";

/** A conversation with its latest message time (CHATHISTORY TARGETS). */
export interface ConversationSummary {
  conversation: string;
  /** Time of the latest message inside the asked window. */
  latest: number;
  /** The channel name, or the other party's name for private messages. */
  target: string;
}

/** The conversations one user may list with CHATHISTORY TARGETS. */
export interface TargetScope {
  /** The user's channels: their history keys and the names to show. */
  channels: { key: string; name: string }[];
  /** The owner id (conversations.ts) of the user's account, if logged in. */
  owner: string | undefined;
}

/** Retention: what pruning removes. */
export interface RetentionPolicy {
  /** Messages older than this many ms are deleted (0: keep forever). */
  maxAgeMs: number;
  /** At most this many messages per conversation are kept (0: no limit). */
  maxPerConversation: number;
}

/** A value now (SQLite) or later (a store across the network, like the cluster's Redis). */
export type Awaitable<T> = T | Promise<T>;

/**
 * Where history is kept: SQLite for one server, Redis for a cluster. Queries may answer later
 * (Redis); SQLite answers at once, and callers keep that path synchronous. Conversations are
 * named by the keys of conversations.ts.
 */
export interface HistoryStore {
  /**
   * Queues a message; committed at the end of the current task. `label` is the name TARGETS
   * shows for a private conversation (the other party's nick or account).
   */
  append(conversation: string, message: StoredMessage, label?: string): void;
  /** Commits what is queued now. */
  flush(): void;
  latest(conversation: string, after: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  before(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  after(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  around(conversation: string, ref: MessageRef, limit: number): Awaitable<StoredMessage[]>;
  between(
    conversation: string,
    from: MessageRef,
    to: MessageRef,
    limit: number,
  ): Awaitable<StoredMessage[]>;
  /** The scope's conversations with messages between two times, most recent first. */
  targets(
    scope: TargetScope,
    from: number,
    to: number,
    limit: number,
  ): Awaitable<ConversationSummary[]>;
  /** Deletes a conversation: a channel's life that ended. Its key is never used again. */
  forget(conversation: string): void;
  /** Deletes every private conversation an account (its owner id) kept: a dropped account. */
  forgetOwner(owner: string): void;
  /**
   * Does a bounded step of the deletions `forget` and `forgetOwner` asked for (the server's clock
   * calls it); absent where they happen at once.
   */
  maintain?(): number;
  /** Applies the retention policy; returns how many messages were deleted. */
  prune(policy: RetentionPolicy, now?: number): Awaitable<number>;
  /** Messages stored (for stats and tests). */
  count(): Awaitable<number>;
}

/**
 * Runs `then` on a value that may still be on its way: at once when it is already here. What
 * `then` returns (a reply still being sent) is returned.
 */
export function whenReady<T>(
  value: Awaitable<T>,
  then: (value: T) => void | Promise<void>,
): void | Promise<void> {
  if (value instanceof Promise) return value.then(then);
  return then(value);
}

interface Row {
  id: number;
  msgid: string;
  time: number;
  conversation: string;
  target: string;
  source: string;
  account: string | null;
  command: string;
  text: string;
  tags: string | null;
}

/** A position in the (time, id) order messages are kept in. */
interface Position {
  time: number;
  id: number;
}

const COLUMNS = "id, msgid, time, conversation, target, source, account, command, text, tags";
const START: Position = { time: -Infinity, id: -Infinity };
const END: Position = { time: Infinity, id: Infinity };

/** The queue is committed this often, or at this many messages, whichever comes first. */
const FLUSH_MS = 10;
const FLUSH_ROWS = 2048;

/** Conversations remembered as empty, at most. */
const EMPTY_KEPT = 10_000;

/** A checkpoint waits until no commit happened for this long… */
export const CHECKPOINT_QUIET_MS = 1000;
/** …or until this many rows were committed since the last one (some 20–40 MB of WAL). */
export const CHECKPOINT_ROWS = 50_000;

/** Rows per multi-row INSERT statement. */
const INSERT_ROWS = 16;

/** How long one `maintain` step may delete for: a few ms of the event loop. */
export const DELETE_STEP_MS = 3;
/** Rows deleted per statement inside a step. */
const DELETE_CHUNK_ROWS = 32;
/**
 * A deleted row counts as this many inserted ones toward a checkpoint: deletions touch pages all
 * over the file, and a checkpoint's cost is the pages it copies (50,000 scattered deletions made
 * a 380 ms checkpoint; 2,000 make one of a few ms).
 */
const DELETE_WEIGHT = 25;

/** Private conversations TARGETS looks into, at most (each one index seek). */
const TARGET_CANDIDATES = 2000;

type SqlValue = string | number | null;

/** Columns bound per inserted row. */
const ROW_VALUES = 9;

/** SQLite has no infinities for integer ids: clamp to the widest safe values. */
function sqlId(id: number): number {
  return id === Infinity ? Number.MAX_SAFE_INTEGER : id === -Infinity ? -1 : id;
}

function toMessage(r: Row): StoredMessage {
  const m: StoredMessage = {
    msgid: r.msgid,
    time: r.time,
    target: r.target,
    source: r.source,
    command: r.command as StoredMessage["command"],
    text: r.text,
  };
  if (r.account !== null) m.account = r.account;
  if (r.tags !== null) m.tags = JSON.parse(r.tags);
  return m;
}

/** History in the SQLite database. */
export class SqliteHistory implements HistoryStore {
  readonly #db: DatabaseSync;
  /**
   * Queued rows, ROW_VALUES values each, end to end: what waits for the commit is only the
   * values, not an array and a message object per message (fewer survivors for the GC).
   */
  #pending: SqlValue[] = [];
  #scheduled = false;
  /**
   * Conversations found to have no messages at all, until one is appended: joining a channel
   * nobody spoke in (every join in a join storm replays history) then needs no query.
   */
  readonly #empty = new Set<string>();
  /** Inserts one row, and INSERT_ROWS rows at a time (fewer calls into SQLite). */
  readonly #insert: StatementSync;
  readonly #insertMany: StatementSync;
  readonly #byMsgid: StatementSync;
  readonly #rangeAsc: StatementSync;
  readonly #rangeDesc: StatementSync;
  readonly #latestIn: StatementSync;
  readonly #privateUpsert: StatementSync;
  readonly #privateOfOwner: StatementSync;
  readonly #allOfOwner: StatementSync;
  readonly #deleteSome: StatementSync;
  readonly #deleteSummary: StatementSync;
  /** Private conversations appended to since the last commit: owner, label, latest time. */
  #privateSeen = new Map<string, [string, string, number]>();
  #pruning: Promise<number> | undefined;
  /** Conversations to delete, a bounded step at a time (`maintain`). */
  readonly #doomed = new Set<string>();
  #uncheckpointed = 0;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  /** False for `:memory:`: there is no WAL to checkpoint. */
  readonly #wal: boolean;
  #committedRecently = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    this.#wal = mode.journal_mode === "wal";
    // See the module doc. The setting is the connection's: the rare account and channel writes
    // are checkpointed along with history (and when the database closes).
    if (this.#wal) db.exec("PRAGMA wal_autocheckpoint = 0");
    // OR FAIL: a failing row leaves the statement's earlier rows in place, which the ROLLBACK of
    // the whole batch undoes anyway. A plain multi-row INSERT into a table with NOT NULL columns
    // keeps a statement journal of every page it touches: with the rows of a statement in
    // different conversations (many quiet channels) a row cost 8.8 instead of 5.4 µs.
    const insert = `INSERT OR FAIL INTO messages
      (msgid, time, conversation, target, source, account, command, text, tags) VALUES `;
    const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
    this.#insert = db.prepare(insert + row);
    this.#insertMany = db.prepare(insert + Array(INSERT_ROWS).fill(row).join(", "));
    // msgids carry their time (see msgid.ts): the conversation index finds them
    this.#byMsgid = db.prepare(
      `SELECT id, time FROM messages WHERE conversation = ? AND time = ? AND msgid = ?`,
    );
    // Messages strictly between two (time, id) positions.
    const range = `SELECT ${COLUMNS} FROM messages WHERE conversation = ?
      AND (time > ? OR (time = ? AND id > ?)) AND (time < ? OR (time = ? AND id < ?))`;
    this.#rangeAsc = db.prepare(`${range} ORDER BY time ASC, id ASC LIMIT ?`);
    this.#rangeDesc = db.prepare(`${range} ORDER BY time DESC, id DESC LIMIT ?`);
    // one index seek per conversation: TARGETS never scans messages
    this.#latestIn = db.prepare(
      `SELECT time FROM messages WHERE conversation = ? AND time > ? AND time < ?
       ORDER BY time DESC LIMIT 1`,
    );
    this.#privateUpsert = db.prepare(
      `INSERT INTO private_conversations (conversation, owner, target, latest) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation) DO UPDATE SET target = excluded.target,
         latest = MAX(latest, excluded.latest)`,
    );
    this.#privateOfOwner = db.prepare(
      `SELECT conversation, target, latest FROM private_conversations
       WHERE owner = ? AND latest > ? ORDER BY latest DESC LIMIT ?`,
    );
    this.#allOfOwner = db.prepare(
      `SELECT conversation FROM private_conversations WHERE owner = ?`,
    );
    this.#deleteSome = db.prepare(
      `DELETE FROM messages WHERE id IN
         (SELECT id FROM messages WHERE conversation = ? LIMIT ?)`,
    );
    this.#deleteSummary = db.prepare(`DELETE FROM private_conversations WHERE conversation = ?`);
  }

  append(conversation: string, m: StoredMessage, label?: string): void {
    this.#empty.delete(conversation);
    const owner = ownerOf(conversation);
    if (owner !== undefined) {
      this.#privateSeen.set(conversation, [owner, label ?? m.target, m.time]);
    }
    this.#pending.push(
      m.msgid,
      m.time,
      conversation,
      m.target,
      m.source,
      m.account ?? null,
      m.command,
      m.text,
      m.tags ? JSON.stringify(m.tags) : null,
    );
    if (this.#pending.length >= FLUSH_ROWS * ROW_VALUES) {
      this.flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.#scheduled && this.flush(), FLUSH_MS);
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#pending.length === 0) return;
    const values = this.#pending;
    this.#pending = [];
    const seen = this.#privateSeen;
    this.#privateSeen = new Map();
    const many = INSERT_ROWS * ROW_VALUES;
    this.#db.exec("BEGIN");
    try {
      let i = 0;
      for (; i + many <= values.length; i += many) {
        this.#insertMany.run(...values.slice(i, i + many));
      }
      for (; i < values.length; i += ROW_VALUES) {
        this.#insert.run(...values.slice(i, i + ROW_VALUES));
      }
      for (const [conversation, [owner, label, latest]] of seen) {
        this.#privateUpsert.run(conversation, owner, label, latest);
      }
      this.#db.exec("COMMIT");
    } catch (err) {
      this.#db.exec("ROLLBACK");
      throw err;
    }
    this.#committed(values.length / ROW_VALUES);
  }

  /** Counts rows written (inserted or deleted) toward the next checkpoint (see module doc). */
  #committed(rows: number): void {
    if (!this.#wal || rows === 0) return;
    this.#uncheckpointed += rows;
    if (this.#uncheckpointed >= CHECKPOINT_ROWS) {
      this.checkpoint();
    } else {
      this.#committedRecently = true;
      if (this.#quietTimer === undefined) this.#waitForQuiet();
    }
  }

  /** Copies the WAL back into the database file (without waiting for readers). */
  checkpoint(): void {
    clearTimeout(this.#quietTimer);
    this.#quietTimer = undefined;
    this.#uncheckpointed = 0;
    this.#db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  }

  /** Commits what is queued and checkpoints; the store is not used after this. */
  close(): void {
    this.flush();
    if (this.#uncheckpointed > 0) this.checkpoint();
  }

  #waitForQuiet(): void {
    this.#committedRecently = false;
    this.#quietTimer = setTimeout(() => {
      this.#quietTimer = undefined;
      if (this.#committedRecently) this.#waitForQuiet();
      else this.checkpoint();
    }, CHECKPOINT_QUIET_MS);
  }

  /**
   * Where a reference points, as a bound that excludes it. A msgid is the message itself; a
   * timestamp sits between messages, and `side` says whether messages at exactly that time count
   * as after it ("after": bound above them) or before it ("before": bound below them).
   */
  #bound(conversation: string, ref: MessageRef, side: "after" | "before"): Position | undefined {
    if (ref === "*") return END;
    if ("time" in ref) return { time: ref.time, id: side === "after" ? Infinity : -Infinity };
    const time = msgidTime(ref.msgid);
    if (time === undefined) return undefined;
    const row = this.#byMsgid.get(conversation, time, ref.msgid) as Position | undefined;
    return row && { time: row.time, id: row.id };
  }

  /** Messages strictly between `lo` and `hi`: the oldest `limit`, or the newest `limit`. */
  #range(
    conversation: string,
    lo: Position,
    hi: Position,
    limit: number,
    take: "oldest" | "newest",
  ): StoredMessage[] {
    if (limit <= 0) return [];
    const stmt = take === "oldest" ? this.#rangeAsc : this.#rangeDesc;
    const rows = stmt.all(
      conversation,
      lo.time,
      lo.time,
      sqlId(lo.id),
      hi.time,
      hi.time,
      sqlId(hi.id),
      limit,
    ) as unknown as Row[];
    const messages = rows.map(toMessage);
    return take === "newest" ? messages.reverse() : messages;
  }

  latest(conversation: string, after: MessageRef, limit: number): StoredMessage[] {
    if (after === "*" && this.#empty.has(conversation)) return [];
    this.flush();
    const lo = after === "*" ? START : this.#bound(conversation, after, "after");
    const found = lo ? this.#range(conversation, lo, END, limit, "newest") : [];
    if (after === "*" && found.length === 0 && limit > 0) {
      if (this.#empty.size >= EMPTY_KEPT) this.#empty.clear(); // channels made up by the thousand
      this.#empty.add(conversation);
    }
    return found;
  }

  before(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    const hi = this.#bound(conversation, ref, "before");
    return hi ? this.#range(conversation, START, hi, limit, "newest") : [];
  }

  after(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    const lo = this.#bound(conversation, ref, "after");
    return lo ? this.#range(conversation, lo, END, limit, "oldest") : [];
  }

  around(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    const at = this.#bound(conversation, ref, "before");
    if (!at) return [];
    const before = this.#range(conversation, START, at, Math.floor(limit / 2), "newest");
    // from the reference on, the referenced message itself included
    const from = { time: at.time, id: at.id === -Infinity ? -Infinity : at.id - 1 };
    return [...before, ...this.#range(conversation, from, END, limit - before.length, "oldest")];
  }

  between(conversation: string, from: MessageRef, to: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    const a = this.#bound(conversation, from, "after");
    const b = this.#bound(conversation, to, "before");
    if (!a || !b) return [];
    if (a.time < b.time || (a.time === b.time && a.id < b.id)) {
      return this.#range(conversation, a, b, limit, "oldest");
    }
    // `from` is the later one: the `limit` messages just before it, down to `to`
    const hi = this.#bound(conversation, from, "before")!;
    const lo = this.#bound(conversation, to, "after")!;
    return this.#range(conversation, lo, hi, limit, "newest");
  }

  targets(scope: TargetScope, from: number, to: number, limit: number): ConversationSummary[] {
    this.flush();
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    const found: ConversationSummary[] = [];
    const latestIn = (conversation: string, target: string) => {
      const row = this.#latestIn.get(conversation, lo, hi) as { time: number } | undefined;
      if (row) found.push({ conversation, latest: row.time, target });
    };
    for (const { key, name } of scope.channels) latestIn(key, name);
    if (scope.owner !== undefined) {
      const rows = this.#privateOfOwner.all(scope.owner, lo, TARGET_CANDIDATES) as {
        conversation: string;
        target: string;
        latest: number;
      }[];
      for (const r of rows) {
        if (r.latest < hi) {
          found.push({ conversation: r.conversation, latest: r.latest, target: r.target });
        } else latestIn(r.conversation, r.target);
      }
    }
    found.sort((a, b) => b.latest - a.latest);
    return found.slice(0, limit);
  }

  forget(conversation: string): void {
    this.#doomed.add(conversation);
  }

  forgetOwner(owner: string): void {
    this.flush();
    const rows = this.#allOfOwner.all(owner) as { conversation: string }[];
    for (const { conversation } of rows) this.#doomed.add(conversation);
  }

  /**
   * Deletes conversations a life, an account or the start-up sweep left behind, in small chunks
   * for at most `budgetMs` (the server's clock calls this); returns how many messages it deleted.
   * A conversation's rows are spread over the file, so a row costs up to ~60 µs to delete.
   */
  maintain(budgetMs = DELETE_STEP_MS): number {
    if (this.#doomed.size === 0) return 0;
    const started = performance.now();
    let deleted = 0;
    this.flush(); // a conversation's last queued rows go with it
    for (const conversation of this.#doomed) {
      for (;;) {
        const n = Number(this.#deleteSome.run(conversation, DELETE_CHUNK_ROWS).changes);
        deleted += n;
        if (n < DELETE_CHUNK_ROWS) break;
        if (performance.now() - started >= budgetMs) {
          this.#committed(deleted * DELETE_WEIGHT);
          return deleted;
        }
      }
      this.#deleteSummary.run(conversation);
      this.#doomed.delete(conversation);
      if (performance.now() - started >= budgetMs) break;
    }
    this.#committed(deleted * DELETE_WEIGHT);
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
    this.flush();
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
  prune(policy: RetentionPolicy, now = Date.now()): Promise<number> {
    this.#pruning ??= this.#prune(policy, now).finally(() => this.#pruning = undefined);
    return this.#pruning;
  }

  async #prune(policy: RetentionPolicy, now: number): Promise<number> {
    this.flush();
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
        this.#committed(n * DELETE_WEIGHT);
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
        const last = edge.get(at, policy.maxPerConversation) as Position | undefined;
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

  count(): number {
    this.flush();
    return Number(
      (this.#db.prepare("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n,
    );
  }
}
