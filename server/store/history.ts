/**
 * Message history: every channel and private message, kept with its msgid, time, sender and
 * target, and the queries IRCv3 `draft/chathistory` asks for.
 *
 * Writes never slow the fan-out: `append` only queues, and the queue is committed in one
 * transaction (multi-row INSERTs) every few milliseconds or every few hundred messages. The
 * promises kept to clients: a message whose echo (echo-message) a client received is stored, and
 * so is everything a client sent before a PING it got the PONG of. Before anything is written to
 * the socket of a client with echo-message, and before a PONG, the queue is committed (`flush`),
 * so even a server killed right after loses nothing that was acknowledged.
 *
 * Nothing the database does ends the process. When a commit fails (another process holds the
 * write lock past the busy timeout, an I/O error, a full disk), the rows stay queued and are
 * retried with backoff, logged once when it starts and once when it ends (outage.ts); echoes and
 * PONGs wait for them, up to the hold. Past the hold, or past the queue's bounds, the wait is
 * given up: those clients are told that messages are delivered but not stored, and get their
 * echoes and PONGs. A row the database rejects for its own sake (a constraint) is dropped and
 * logged rather than retried forever.
 *
 * Checkpoints (copying the WAL back into the database file, with an fsync) are not left to SQLite's
 * automatic one inside whichever COMMIT crosses 1,000 pages: that put a third of the cost of storing
 * a message into the message path of a busy moment. They run after a quiet second instead, or at
 * once when a long busy stretch has committed CHECKPOINT_ROWS since the last one (bounding the WAL).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { foldCase } from "../../protocol/casemap.ts";
import { isChannelName } from "../../protocol/names.ts";
import { type Logger, silentLogger } from "../log.ts";
import { msgidTime } from "../msgid.ts";
import { DEFAULT_OUTAGE_LIMITS, Outage, type OutageLimits } from "./outage.ts";
import { classifySqliteFailure, describeError } from "./sqlite_failure.ts";

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
  /** The channel name, or the other party's nick for private messages. */
  latest: number;
  target: string;
}

/** Retention: what pruning removes. */
export interface RetentionPolicy {
  /** Messages older than this many ms are deleted (0: keep forever). */
  maxAgeMs: number;
  /** At most this many messages per conversation are kept (0: no limit). */
  maxPerConversation: number;
}

/**
 * The key a message is stored under: the folded channel name, or for private messages the two
 * folded nicks in order, so both sides find the same conversation.
 */
export function conversationKey(target: string, senderNick: string): string {
  if (isChannelName(target)) return foldCase(target);
  const [a, b] = [foldCase(target), foldCase(senderNick)].sort();
  return `${a} ${b}`;
}

/** The conversation between a user and a nick or channel, as the user asks for it. */
export function conversationFor(target: string, viewerNick: string): string {
  return conversationKey(target, viewerNick);
}

/** A value now (SQLite) or later (a store across the network, like the cluster's Redis). */
export type Awaitable<T> = T | Promise<T>;

/**
 * Where history is kept: SQLite for one server, Redis for a cluster. Queries may answer later
 * (Redis); SQLite answers at once, and callers keep that path synchronous.
 */
export interface HistoryStore {
  /** Queues a message; committed within a few milliseconds. */
  append(conversation: string, message: StoredMessage): void;
  /**
   * Commits what is queued now: the durability point of echoes and PONGs. True when everything
   * appended so far is stored. While the store is unavailable: a promise that resolves true once
   * it is, or false when the wait is given up (clients are then told that messages are not
   * stored); false at once after that, until the store is back. Never throws. A cluster's store
   * answers true: its echoes come back from Redis after their message is stored.
   */
  flush(): Awaitable<boolean>;
  /**
   * 0 while messages are stored or still waited for; during an outage whose wait was given up, a
   * number for that outage (senders are told once per outage that messages are not stored).
   */
  readonly outageEpisode: number;
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
  /** Conversations with messages between two times, most recent first. */
  targets(from: number, to: number, limit: number): Awaitable<ConversationSummary[]>;
  /** Applies the retention policy; returns how many messages were deleted. */
  prune(policy: RetentionPolicy, now?: number): Awaitable<number>;
  /** Messages stored (for stats and tests). */
  count(): Awaitable<number>;
}

/** Runs `then` on a value that may still be on its way: at once when it is already here. */
export function whenReady<T>(value: Awaitable<T>, then: (value: T) => void): void | Promise<void> {
  if (value instanceof Promise) return value.then(then);
  then(value);
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

type SqlValue = string | number | null;

/** Columns bound per inserted row. */
const ROW_VALUES = 9;

/** At shutdown, the last commit may wait this long for another process's lock. */
const CLOSE_BUSY_TIMEOUT_MS = 2000;

/** What queued rows hold, roughly, in bytes (the queue's bound while the store is unavailable). */
function valuesBytes(values: SqlValue[], from = 0, to = values.length): number {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const v = values[i];
    bytes += typeof v === "string" ? v.length : 8;
  }
  return bytes;
}

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

/** How a history store is run; tests shorten the limits. */
export interface SqliteHistoryOptions {
  log?: Logger;
  /** How long and how much an outage of the database may hold (outage.ts). */
  limits?: Partial<OutageLimits>;
}

/** History in the SQLite database. */
export class SqliteHistory implements HistoryStore {
  readonly #db: DatabaseSync;
  readonly #log: Logger;
  readonly #limits: OutageLimits;
  /** Set while commits fail; the rows stay in `#pending` and are retried. */
  #outage: Outage | undefined;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
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
  #uncheckpointed = 0;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  /** False for `:memory:`: there is no WAL to checkpoint. */
  readonly #wal: boolean;
  #committedRecently = false;

  constructor(db: DatabaseSync, options: SqliteHistoryOptions = {}) {
    this.#db = db;
    this.#log = options.log ?? silentLogger;
    this.#limits = { ...DEFAULT_OUTAGE_LIMITS, ...options.limits };
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
  }

  get outageEpisode(): number {
    return this.#outage?.givenUp ? this.#outage.episode : 0;
  }

  append(conversation: string, m: StoredMessage): void {
    if (this.#closed) return;
    this.#empty.delete(conversation);
    const pending = this.#pending;
    pending.push(
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
    const outage = this.#outage;
    if (outage !== undefined) {
      // the retry timer commits; past the queue's bounds the message is not stored
      if (!outage.admit(valuesBytes(pending, pending.length - ROW_VALUES))) {
        pending.length -= ROW_VALUES;
      }
      return;
    }
    if (pending.length >= FLUSH_ROWS * ROW_VALUES) {
      this.flush();
      return;
    }
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => this.#scheduled && this.flush(), FLUSH_MS);
  }

  flush(): Awaitable<boolean> {
    this.#scheduled = false;
    if (this.#outage !== undefined) return this.#outage.result;
    if (this.#pending.length === 0 || this.#closed) return !this.#closed;
    const values = this.#pending;
    this.#pending = [];
    try {
      this.#commit(values);
    } catch (err) {
      this.#pending = values;
      return this.#begin(err).result;
    }
    this.#committed(values.length / ROW_VALUES);
    return true;
  }

  /**
   * Commits rows in one transaction; returns how many the database rejected for their own sake
   * (a constraint: dropped and logged). When the database is unavailable, nothing is committed
   * and the error is thrown.
   */
  #commit(values: SqlValue[]): number {
    try {
      this.#transaction(() => this.#insertAll(values));
      return 0;
    } catch (err) {
      if (classifySqliteFailure(err) === "unavailable") throw err;
      const dropped = this.#transaction(() => this.#insertEach(values));
      this.#log.error(`history: ${dropped} messages could not be stored: ${describeError(err)}`);
      return dropped;
    }
  }

  #transaction<T>(run: () => T): T {
    // IMMEDIATE: the write lock is taken (or waited for) here, before any row is written
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      const result = run();
      this.#db.exec("COMMIT");
      return result;
    } catch (err) {
      try {
        if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      } catch { /* the first error is the one that matters */ }
      throw err;
    }
  }

  #insertAll(values: SqlValue[]): void {
    const many = INSERT_ROWS * ROW_VALUES;
    let i = 0;
    for (; i + many <= values.length; i += many) {
      this.#insertMany.run(...values.slice(i, i + many));
    }
    for (; i < values.length; i += ROW_VALUES) {
      this.#insert.run(...values.slice(i, i + ROW_VALUES));
    }
  }

  /** Inserts row by row, skipping rows the database rejects; returns how many. */
  #insertEach(values: SqlValue[]): number {
    let dropped = 0;
    for (let i = 0; i < values.length; i += ROW_VALUES) {
      try {
        this.#insert.run(...values.slice(i, i + ROW_VALUES));
      } catch (err) {
        if (classifySqliteFailure(err) === "unavailable") throw err;
        dropped++;
      }
    }
    return dropped;
  }

  /** Checkpoint bookkeeping after a commit. */
  #committed(rows: number): void {
    if (!this.#wal) return;
    this.#uncheckpointed += rows;
    if (this.#uncheckpointed >= CHECKPOINT_ROWS) {
      this.checkpoint();
    } else {
      this.#committedRecently = true;
      if (this.#quietTimer === undefined) this.#waitForQuiet();
    }
  }

  /** A commit failed: the rows stay queued, and an outage begins. */
  #begin(err: unknown): Outage {
    const rows = this.#pending.length / ROW_VALUES;
    const outage = new Outage(
      Date.now(),
      describeError(err),
      rows,
      valuesBytes(this.#pending),
      this.#limits,
    );
    this.#outage = outage;
    this.#log.warn(outage.startLine());
    this.#holdTimer = setTimeout(() => outage.giveUp(), this.#limits.holdMs);
    this.#retryLater(outage.nextDelay());
    return outage;
  }

  #retryLater(delay: number): void {
    this.#retryTimer = setTimeout(() => this.#retry(), delay);
  }

  /** Commits the oldest queued rows, a batch at a time; the outage ends when none are left. */
  #retry(): void {
    this.#retryTimer = undefined;
    const outage = this.#outage!;
    const n = Math.min(this.#pending.length, FLUSH_ROWS * ROW_VALUES);
    const batch = this.#pending.slice(0, n);
    let dropped: number;
    try {
      dropped = this.#commit(batch);
    } catch {
      outage.attempts++;
      this.#retryLater(outage.nextDelay());
      return;
    }
    this.#pending.splice(0, n);
    outage.stored(n / ROW_VALUES, valuesBytes(batch), dropped);
    this.#committed(n / ROW_VALUES);
    if (this.#pending.length > 0) {
      this.#retryLater(0); // the rest in later tasks: clients are served between batches
      return;
    }
    this.#outage = undefined;
    clearTimeout(this.#holdTimer);
    outage.end();
    this.#log.warn(outage.endLine(Date.now()));
  }

  /** Copies the WAL back into the database file (without waiting for readers). */
  checkpoint(): void {
    clearTimeout(this.#quietTimer);
    this.#quietTimer = undefined;
    this.#uncheckpointed = 0;
    try {
      this.#db.exec("PRAGMA wal_checkpoint(PASSIVE)");
    } catch (err) {
      this.#log.debug(`history: checkpoint failed: ${describeError(err)}`);
    }
  }

  /**
   * Commits what is queued (waiting up to 2 s for another process's lock) and checkpoints; the
   * store is not used after this. What cannot be committed is logged, never thrown.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#scheduled = false;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#holdTimer);
    const outage = this.#outage;
    this.#outage = undefined;
    const values = this.#pending;
    this.#pending = [];
    if (values.length > 0) {
      try {
        this.#db.exec(`PRAGMA busy_timeout = ${CLOSE_BUSY_TIMEOUT_MS}`);
        const dropped = this.#commit(values);
        this.#committed(values.length / ROW_VALUES);
        if (outage) {
          outage.stored(values.length / ROW_VALUES, valuesBytes(values), dropped);
          outage.end();
          this.#log.warn(outage.endLine(Date.now()));
        }
      } catch (err) {
        this.#log.error(
          `history: ${values.length / ROW_VALUES} queued messages could not be stored before ` +
            `closing: ${describeError(err)}`,
        );
      }
    }
    outage?.giveUp();
    if (this.#uncheckpointed > 0) this.checkpoint();
    clearTimeout(this.#quietTimer);
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

  targets(from: number, to: number, limit: number): ConversationSummary[] {
    this.flush();
    const [lo, hi] = from <= to ? [from, to] : [to, from];
    const rows = this.#db.prepare(
      `SELECT conversation, MAX(time) AS latest, target FROM messages
       WHERE time > ? AND time < ? GROUP BY conversation ORDER BY latest DESC LIMIT ?`,
    ).all(lo, hi, limit) as unknown as ConversationSummary[];
    return rows.map((r) => ({ conversation: r.conversation, latest: r.latest, target: r.target }));
  }

  prune(policy: RetentionPolicy, now = Date.now()): number {
    this.flush();
    let deleted = 0;
    if (policy.maxAgeMs > 0) {
      deleted += Number(
        this.#db.prepare(`DELETE FROM messages WHERE time < ?`).run(now - policy.maxAgeMs).changes,
      );
    }
    if (policy.maxPerConversation > 0) {
      const crowded = this.#db.prepare(
        `SELECT conversation FROM messages GROUP BY conversation HAVING COUNT(*) > ?`,
      ).all(policy.maxPerConversation) as { conversation: string }[];
      const trim = this.#db.prepare(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE conversation = ?
         ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)`,
      );
      for (const { conversation } of crowded) {
        deleted += Number(trim.run(conversation, policy.maxPerConversation).changes);
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
