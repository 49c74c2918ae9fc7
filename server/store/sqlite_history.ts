/**
 * History in the SQLite database: every channel and private message, kept with its msgid, time,
 * sender and target, and the queries IRCv3 `draft/chathistory` asks for (history.ts).
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
 * Checkpoints run off the main thread (checkpointer.ts).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Logger, silentLogger } from "../log.ts";
import { msgidTime } from "../msgid.ts";
import { Checkpointer } from "./checkpointer.ts";
import { ownerOf } from "./conversations.ts";
import { DEFAULT_OUTAGE_LIMITS, Outage, type OutageLimits, RETRY_MAX_MS } from "./outage.ts";
import { classifySqliteFailure, describeError } from "./sqlite_failure.ts";
import type {
  Awaitable,
  ConversationSummary,
  HistoryStore,
  MessageRef,
  RetentionPolicy,
  StoredMessage,
  TargetScope,
} from "./history.ts";

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
  /** `maintain` found the database locked: it waits until then (performance.now()). */
  #maintainAfter = 0;
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
  /** Undefined for `:memory:`: there is no WAL to checkpoint. */
  readonly #checkpoints: Checkpointer | undefined;

  constructor(db: DatabaseSync, options: SqliteHistoryOptions = {}) {
    this.#db = db;
    this.#log = options.log ?? silentLogger;
    this.#limits = { ...DEFAULT_OUTAGE_LIMITS, ...options.limits };
    const mode = db.prepare("PRAGMA journal_mode").get() as { journal_mode: string };
    const path = db.location();
    if (mode.journal_mode === "wal" && path) {
      // The setting is the connection's: the rare account and channel writes are checkpointed
      // along with history (and when the database closes).
      db.exec("PRAGMA wal_autocheckpoint = 0");
      this.#checkpoints = new Checkpointer(path, this.#log);
    }
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

  get outageEpisode(): number {
    return this.#outage?.givenUp ? this.#outage.episode : 0;
  }

  append(conversation: string, m: StoredMessage, label?: string): void {
    if (this.#closed) return;
    this.#empty.delete(conversation);
    const owner = ownerOf(conversation);
    if (owner !== undefined) {
      this.#privateSeen.set(conversation, [owner, label ?? m.target, m.time]);
    }
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
    let dropped = 0;
    try {
      this.#transaction(() => this.#insertAll(values));
    } catch (err) {
      if (classifySqliteFailure(err) === "unavailable") throw err;
      dropped = this.#transaction(() => this.#insertEach(values));
      this.#log.error(`history: ${dropped} messages could not be stored: ${describeError(err)}`);
    }
    if (this.#privateSeen.size > 0) this.#privateSeen = new Map();
    return dropped;
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
    this.#upsertSeen();
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
    this.#upsertSeen();
    return dropped;
  }

  /**
   * The summaries of the private conversations appended to, in the same transaction as their
   * rows. While an outage's queue is stored a batch at a time, every batch writes them all (an
   * upsert keeps the latest time), so they are never behind the rows.
   */
  #upsertSeen(): void {
    for (const [conversation, [owner, label, latest]] of this.#privateSeen) {
      this.#privateUpsert.run(conversation, owner, label, latest);
    }
  }

  /** Counts rows written (inserted or deleted) toward the next checkpoint. */
  #committed(rows: number): void {
    this.#checkpoints?.written(rows);
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

  /** Checkpoints now, off the main thread; resolves when done (tests, benchmarks). */
  async checkpoint(): Promise<void> {
    this.#checkpoints?.request();
    await this.#checkpoints?.idle();
  }

  /**
   * Commits what is queued (waiting up to 2 s for another process's lock) and stops
   * checkpointing; the store is not used after this. What cannot be committed is logged, never
   * thrown. (Closing the database then checkpoints what is left.)
   */
  async close(): Promise<void> {
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
    await this.#checkpoints?.close();
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
    // during an outage the queued rows are stored first, and the deletions follow them
    if (this.#doomed.size === 0 || this.#outage !== undefined) return 0;
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
