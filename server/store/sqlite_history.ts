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
 * Reads are history_queries.ts, deletions history_deletion.ts, checkpoints (off the main thread)
 * checkpointer.ts.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { type Logger, silentLogger } from "../log.ts";
import { Checkpointer } from "./checkpointer.ts";
import { DELETE_WEIGHT, HistoryDeletion } from "./history_deletion.ts";
import { HistoryQueries } from "./history_queries.ts";
import { HistorySearch } from "./history_search.ts";
import { ownerOf } from "./conversations.ts";
import { DEFAULT_OUTAGE_LIMITS, Outage, type OutageLimits } from "./outage.ts";
import { classifySqliteFailure, describeError } from "./sqlite_failure.ts";
import { noteHistoryCommit } from "../metrics/counters.ts";
import type {
  Awaitable,
  ConversationSummary,
  HistoryStore,
  MessageRef,
  RetentionPolicy,
  SearchQuery,
  SearchScope,
  StoredMessage,
  TargetScope,
} from "./history.ts";

/** The queue is committed this often, or at this many messages, whichever comes first. */
const FLUSH_MS = 10;
const FLUSH_ROWS = 2048;

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
  /** Inserts one row, and INSERT_ROWS rows at a time (fewer calls into SQLite). */
  readonly #insert: StatementSync;
  readonly #insertMany: StatementSync;
  readonly #privateUpsert: StatementSync;
  /** Private conversations appended to since the last commit: owner, label, latest time. */
  #privateSeen = new Map<string, [string, string, number]>();
  /** The read side (history_queries.ts). */
  readonly #queries: HistoryQueries;
  /** SEARCH over the full-text index (history_search.ts). */
  readonly #search: HistorySearch;
  /** Deletions: forgotten conversations, the start-up sweep, retention (history_deletion.ts). */
  readonly #deletion: HistoryDeletion;
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
    this.#privateUpsert = db.prepare(
      `INSERT INTO private_conversations (conversation, owner, target, latest) VALUES (?, ?, ?, ?)
       ON CONFLICT (conversation) DO UPDATE SET target = excluded.target,
         latest = MAX(latest, excluded.latest)`,
    );
    this.#queries = new HistoryQueries(db);
    this.#search = new HistorySearch(db);
    this.#deletion = new HistoryDeletion(db, {
      flush: () => this.flush(),
      deleted: (rows) => this.#committed(rows * DELETE_WEIGHT),
      unavailable: () => this.#outage !== undefined,
    });
  }

  get outageEpisode(): number {
    return this.#outage?.givenUp ? this.#outage.episode : 0;
  }

  append(conversation: string, m: StoredMessage, label?: string): void {
    if (this.#closed) return;
    this.#queries.written(conversation);
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
    const started = performance.now();
    let dropped = 0;
    try {
      this.#transaction(() => this.#insertAll(values));
    } catch (err) {
      if (classifySqliteFailure(err) === "unavailable") throw err;
      dropped = this.#transaction(() => this.#insertEach(values));
      this.#log.error(`history: ${dropped} messages could not be stored: ${describeError(err)}`);
    }
    if (this.#privateSeen.size > 0) this.#privateSeen = new Map();
    noteHistoryCommit(values.length / ROW_VALUES - dropped, (performance.now() - started) / 1000);
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

  latest(conversation: string, after: MessageRef, limit: number): StoredMessage[] {
    if (!this.#queries.mayHave(conversation, after)) return [];
    this.flush();
    return this.#queries.latest(conversation, after, limit);
  }

  before(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    return this.#queries.before(conversation, ref, limit);
  }

  after(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    return this.#queries.after(conversation, ref, limit);
  }

  around(conversation: string, ref: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    return this.#queries.around(conversation, ref, limit);
  }

  between(conversation: string, from: MessageRef, to: MessageRef, limit: number): StoredMessage[] {
    this.flush();
    return this.#queries.between(conversation, from, to, limit);
  }

  targets(scope: TargetScope, from: number, to: number, limit: number): ConversationSummary[] {
    this.flush();
    return this.#queries.targets(scope, from, to, limit);
  }

  search(scope: SearchScope, query: SearchQuery): StoredMessage[] {
    this.flush();
    return this.#search.search(scope, query);
  }

  find(conversation: string, msgid: string): StoredMessage | undefined {
    this.flush();
    return this.#queries.find(conversation, msgid);
  }

  /**
   * Deletes a message's copies: from the queue first (during an outage it may not be stored
   * yet), then from the database; with the database unavailable, what is stored stays (logged).
   */
  redact(conversations: string[], msgid: string): boolean {
    const pending = this.#pending;
    for (let i = pending.length - ROW_VALUES; i >= 0; i -= ROW_VALUES) {
      if (pending[i] === msgid && conversations.includes(pending[i + 2] as string)) {
        pending.splice(i, ROW_VALUES);
      }
    }
    if (this.#outage !== undefined) {
      this.#log.warn(
        `history: message ${msgid} could not be redacted: the database is unavailable`,
      );
      return false;
    }
    try {
      this.#deletion.redact(conversations, msgid);
      return true;
    } catch (err) {
      this.#log.warn(`history: message ${msgid} could not be redacted: ${describeError(err)}`);
      return false;
    }
  }

  forget(conversation: string): void {
    this.#deletion.forget(conversation);
  }

  forgetOwner(owner: string): void {
    this.#deletion.forgetOwner(owner);
  }

  /** See `HistoryDeletion.maintain`. */
  maintain(budgetMs?: number): number {
    return this.#deletion.maintain(budgetMs);
  }

  /** True while deletions wait for `maintain`. */
  get maintaining(): boolean {
    return this.#deletion.maintaining;
  }

  /** See `HistoryDeletion.sweep`. */
  sweep(keep: (conversation: string) => boolean): number {
    return this.#deletion.sweep(keep);
  }

  prune(policy: RetentionPolicy, now = Date.now()): Promise<number> {
    return this.#deletion.prune(policy, now);
  }

  count(): number {
    this.flush();
    return Number(
      (this.#db.prepare("SELECT COUNT(*) AS n FROM messages").get() as { n: number }).n,
    );
  }
}
