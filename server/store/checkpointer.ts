/**
 * WAL checkpoints, off the main thread.
 *
 * A checkpoint copies the pages the WAL holds back into the database file and syncs it. Measured
 * here, it took 50–180 ms after 2,000–50,000 inserted rows and 70–760 ms after 2,000–50,000
 * deleted ones (deletions touch pages all over the file): time in which the event loop served
 * nobody. SQLite's own automatic checkpoint would run inside whichever COMMIT crosses 1,000 pages,
 * in the message path of a busy moment. So the writer's connection never checkpoints
 * (`wal_autocheckpoint = 0`); a Worker with its own connection to the file does, with PASSIVE
 * checkpoints, which neither wait for nor block the writer: after a quiet second, or at once when
 * a busy stretch has written CHECKPOINT_ROWS since the last one (bounding the WAL). The disk is
 * still shared: while one runs, a writer's statement sometimes waits 10–35 ms for it (a retention
 * pass over 1 M rows let the event loop wait at most 30–41 ms, 9.5 ms with no checkpoint at all,
 * 380 ms with them inline).
 *
 * The Worker's code is inline (a `data:` module), so `deno bundle` and `deno compile` carry it
 * without a separate file.
 *
 * @module
 */

import type { Logger } from "../log.ts";

/** A checkpoint waits until nothing was written for this long… */
export const CHECKPOINT_QUIET_MS = 1000;
/** …or until this many rows were written since the last one (some 20–40 MB of WAL)… */
export const CHECKPOINT_ROWS = 50_000;
/** …or, under a steady trickle that is never quiet, this long after the first unsaved write. */
export const CHECKPOINT_MAX_WAIT_MS = 30_000;

/** The Worker: opens the file once, then runs a PASSIVE checkpoint per request. */
const WORKER_SOURCE = `
import { DatabaseSync } from "node:sqlite";
let db;
self.onmessage = ({ data }) => {
  if (data.close) {
    db?.close();
    self.postMessage({ closed: true });
    return;
  }
  try {
    db ??= new DatabaseSync(data.path);
    db.exec("PRAGMA busy_timeout = 1000");
    const r = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get();
    self.postMessage({ done: r.busy === 0 });
  } catch (err) {
    self.postMessage({ error: String(err && err.message || err) });
  }
};`;

const WORKER_URL = `data:text/javascript;base64,${btoa(WORKER_SOURCE)}`;

/** Schedules and runs the checkpoints of one database file. */
export class Checkpointer {
  readonly #path: string;
  readonly #log: Logger;
  #worker: Worker | undefined;
  /** A checkpoint is running in the Worker; resolves when it answers. */
  #running: Promise<void> | undefined;
  /** Rows were written while one ran: run another after it. */
  #again = false;
  #rows = 0;
  #quietTimer: ReturnType<typeof setTimeout> | undefined;
  #writtenRecently = false;
  /** When the first row since the last checkpoint was written. */
  #since = 0;
  #closed = false;
  /** Checkpoints run, for tests and figures. */
  completed = 0;

  constructor(path: string, log: Logger) {
    this.#path = path;
    this.#log = log;
  }

  /** Counts rows written (inserted, or deleted with a weight) toward the next checkpoint. */
  written(rows: number): void {
    if (this.#closed || rows <= 0) return;
    this.#rows += rows;
    if (this.#rows >= CHECKPOINT_ROWS) {
      this.request();
      return;
    }
    this.#writtenRecently = true;
    if (this.#quietTimer === undefined) {
      this.#since = Date.now();
      this.#waitForQuiet();
    }
  }

  /** Starts a checkpoint now, or right after the one running. */
  request(): void {
    if (this.#closed) return;
    clearTimeout(this.#quietTimer);
    this.#quietTimer = undefined;
    this.#rows = 0;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#run().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        this.request();
      }
    });
  }

  /** Resolves when no checkpoint is running or waiting to follow one. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /** Stops scheduling, lets a running checkpoint finish, and closes the Worker's connection. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#quietTimer);
    this.#again = false;
    await this.#running;
    const worker = this.#worker;
    if (!worker) return;
    this.#worker = undefined;
    await this.#ask(worker, { close: true });
    worker.terminate();
  }

  #waitForQuiet(): void {
    this.#writtenRecently = false;
    this.#quietTimer = setTimeout(() => {
      this.#quietTimer = undefined;
      const waited = Date.now() - this.#since;
      if (this.#writtenRecently && waited < CHECKPOINT_MAX_WAIT_MS) this.#waitForQuiet();
      else this.request();
    }, CHECKPOINT_QUIET_MS);
  }

  async #run(): Promise<void> {
    this.#worker ??= new Worker(WORKER_URL, { type: "module" });
    const answer = await this.#ask(this.#worker, { path: this.#path });
    if ("error" in answer) this.#log.debug(`history: checkpoint failed: ${answer.error}`);
    else this.completed++;
  }

  #ask(worker: Worker, message: unknown): Promise<Record<string, unknown>> {
    return new Promise((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        resolve({ error: e.message });
      };
      worker.postMessage(message);
    });
  }
}
