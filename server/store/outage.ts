/**
 * One stretch of time during which the database refuses history's writes (an "episode"): another
 * process holds the write lock, the disk is full, an I/O error. The history writer keeps its rows
 * queued and retries; this is the bookkeeping — how long it has lasted, what is queued, when to
 * try again, and the one promise that everything waiting for a durability point (an echo, a PONG)
 * waits on. The I/O and the timers are history.ts's.
 *
 * The bounds: waiters wait at most `holdMs`, and at most `maxRows` rows or `maxBytes` bytes stay
 * queued. Past either, the wait is given up: waiters get `false` and their clients are told that
 * what they send is delivered but not stored; rows beyond the queue's bounds are dropped (counted).
 * The rows already queued are still stored if the database comes back.
 *
 * @module
 */

/** How long, and how much, an outage may hold. */
export interface OutageLimits {
  /** How long echoes and PONGs wait for the database before their clients are told. */
  holdMs: number;
  /** Rows kept queued while the database is unavailable, at most. */
  maxRows: number;
  /** Bytes (of text, source and target) kept queued, at most. */
  maxBytes: number;
}

/** Defaults: 5 s of waiting; 100,000 rows or 32 MiB queued (a few minutes of a busy server). */
export const DEFAULT_OUTAGE_LIMITS: OutageLimits = {
  holdMs: 5_000,
  maxRows: 100_000,
  maxBytes: 32 * 1024 * 1024,
};

/**
 * Retries start after this long and double up to RETRY_MAX_MS: each retry may hold the main
 * thread for the busy timeout (5 ms), so at most 1% of it while the outage lasts.
 */
export const RETRY_FIRST_MS = 25;
export const RETRY_MAX_MS = 500;

/** Counted across stores, so that "told once per episode" never confuses two episodes. */
let episodes = 0;

/** An outage of the history's database, from the first failed commit to the last queued row stored. */
export class Outage {
  /** A number no other outage in this process has (0 is "no outage"). */
  readonly episode = ++episodes;
  readonly since: number;
  readonly #limits: OutageLimits;
  /** The error of the first failed commit (for the log). */
  readonly error: string;
  /** Commits tried, the first included. */
  attempts = 1;
  queuedRows: number;
  queuedBytes: number;
  /** Rows stored since the outage began, and rows dropped because the queue was full. */
  storedRows = 0;
  droppedRows = 0;
  #givenUp = false;
  #delay = RETRY_FIRST_MS;
  readonly #settled: Promise<boolean>;
  #resolve!: (stored: boolean) => void;

  constructor(now: number, error: string, rows: number, bytes: number, limits: OutageLimits) {
    this.since = now;
    this.error = error;
    this.queuedRows = rows;
    this.queuedBytes = bytes;
    this.#limits = limits;
    this.#settled = new Promise((resolve) => this.#resolve = resolve);
    if (rows > limits.maxRows || bytes > limits.maxBytes) this.giveUp();
  }

  /**
   * What a durability point gets: a promise that resolves true when the queue is stored, or false
   * when the wait is given up; false at once after that.
   */
  get result(): Promise<boolean> | false {
    return this.#givenUp ? false : this.#settled;
  }

  /** The wait is over: clients are told that messages are not being stored. */
  get givenUp(): boolean {
    return this.#givenUp;
  }

  /** May one more row of `bytes` be queued? If not, it is counted as dropped and waiting ends. */
  admit(bytes: number): boolean {
    if (
      this.queuedRows + 1 > this.#limits.maxRows || this.queuedBytes + bytes > this.#limits.maxBytes
    ) {
      this.droppedRows++;
      this.giveUp();
      return false;
    }
    this.queuedRows++;
    this.queuedBytes += bytes;
    return true;
  }

  /** Waiters stop waiting (the hold ran out, or the queue is full). */
  giveUp(): void {
    if (this.#givenUp) return;
    this.#givenUp = true;
    this.#resolve(false);
  }

  /** How long to wait before the next retry: RETRY_FIRST_MS, doubling up to RETRY_MAX_MS. */
  nextDelay(): number {
    const delay = this.#delay;
    this.#delay = Math.min(this.#delay * 2, RETRY_MAX_MS);
    return delay;
  }

  /** Queued rows left the queue: committed, but for `rejected` the database refused to store. */
  stored(rows: number, bytes: number, rejected = 0): void {
    this.storedRows += rows - rejected;
    this.droppedRows += rejected;
    this.queuedRows -= rows;
    this.queuedBytes -= bytes;
  }

  /** The queue is stored: waiters still waiting get true. */
  end(): void {
    this.#resolve(true);
  }

  /** The log line when the outage begins. */
  startLine(): string {
    return `history: cannot store messages (${this.error}): keeping them queued and retrying; ` +
      `senders are told after ${seconds(this.#limits.holdMs)} s`;
  }

  /** The log line when it ends. */
  endLine(now: number): string {
    return `history: storing again after ${seconds(now - this.since)} s and ${this.attempts} ` +
      `attempts: ${this.storedRows} queued messages stored, ${this.droppedRows} not stored`;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
