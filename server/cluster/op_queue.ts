/**
 * The ordered queue of a node's changes on their way to Redis. While the node is in sync every
 * operation is sent at once (pipelined, in order); while Redis is away (or the node is
 * resynchronizing) operations wait, and one cut off by a disconnection is sent again once the
 * node is back in sync — the scripts are idempotent and messages carry a msgid, so a retry of
 * something that did run changes nothing. What waited longer than the hold time is dropped and
 * its owner told (the sender gets a NOTICE): never silently lost, never run twice.
 *
 * @module
 */

import type { ScriptName } from "./scripts.ts";
import { errorMessage } from "../../util/error_message.ts";
import { noteRedisRoundTrip } from "../metrics/counters.ts";

/** One change for Redis. */
export interface Op {
  /** Its place in the queue's order (set by `push`). */
  seq?: number;
  name: ScriptName;
  args: (string | number)[];
  /** When it was queued (ms). */
  at: number;
  /** Sent and not yet answered. */
  sent: boolean;
  /** Redis ran it and answered. */
  done(result: unknown): void;
  /** It will not run: Redis stayed away too long, or it failed. */
  dropped(why: string): void;
}

/** Runs one op against Redis; rejects with `connectionLost` true when the link broke. */
export type OpRunner = (op: Op) => Promise<unknown>;

/** Tells connection failures (retry later) from failures of the op itself (drop it). */
export type IsConnectionError = (err: unknown) => boolean;

/** The queue; `pause` while Redis is away or the node resynchronizes, `resume` once in sync. */
export class OpQueue {
  readonly #run: OpRunner;
  readonly #isConnectionError: IsConnectionError;
  readonly #holdMs: number;
  readonly #onConnectionError: () => void;
  #ops: Op[] = [];
  #running = false;
  #pausedAt = 0;
  /** Ops pushed so far: the last one's `seq`. */
  #pushed = 0;
  /** Waiting for every op up to `seq` to be answered or dropped, in `seq` order. */
  #drainWaiters: { seq: number; resolve: () => void }[] = [];

  constructor(
    run: OpRunner,
    options: {
      holdMs: number;
      isConnectionError: IsConnectionError;
      /** Called when an op finds the link broken (before the link's own event, maybe). */
      onConnectionError: () => void;
    },
  ) {
    this.#run = run;
    this.#holdMs = options.holdMs;
    this.#isConnectionError = options.isConnectionError;
    this.#onConnectionError = options.onConnectionError;
  }

  /** Ops waiting or in flight. */
  get size(): number {
    return this.#ops.length;
  }

  /** Adds an op; sends it now when running, drops it at once when Redis is away for too long. */
  push(op: Op, now = Date.now()): void {
    if (!this.#running && this.#pausedAt > 0 && now - this.#pausedAt > this.#holdMs) {
      op.dropped("unavailable");
      return;
    }
    op.seq = ++this.#pushed;
    this.#ops.push(op);
    if (this.#running) this.#send(op);
  }

  /**
   * Resolves once every op pushed so far has been answered or dropped; undefined when the queue
   * is empty already.
   */
  drained(): Promise<void> | undefined {
    if (this.#ops.length === 0) return undefined;
    const seq = this.#pushed;
    return new Promise((resolve) => this.#drainWaiters.push({ seq, resolve }));
  }

  /** Wakes those waiting for ops that are all gone (`#ops` stays in push order). */
  #wakeDrained(): void {
    const waiters = this.#drainWaiters;
    if (waiters.length === 0) return;
    const oldest = this.#ops[0]?.seq ?? Infinity;
    let n = 0;
    for (const waiter of waiters) {
      if (waiter.seq >= oldest) break;
      waiter.resolve();
      n++;
    }
    if (n > 0) this.#drainWaiters = waiters.slice(n);
  }

  /** Stops sending; what is queued or cut off waits for `resume`. */
  pause(now = Date.now()): void {
    if (!this.#running && this.#pausedAt > 0) return;
    this.#running = false;
    this.#pausedAt = now;
  }

  /** Sends everything waiting, in order, and then each new op at once. */
  resume(): void {
    this.#running = true;
    this.#pausedAt = 0;
    for (const op of [...this.#ops]) if (!op.sent) this.#send(op);
  }

  /** Drops what has waited longer than the hold time while paused; returns how many. */
  expire(now = Date.now()): number {
    if (this.#running || this.#pausedAt === 0) return 0;
    let dropped = 0;
    for (let op = this.#ops[0]; op; op = this.#ops[0]) {
      if (now - Math.max(op.at, this.#pausedAt) <= this.#holdMs) break;
      this.#ops.shift();
      dropped++;
      op.dropped("unavailable");
    }
    this.#wakeDrained();
    return dropped;
  }

  /** Drops everything (shutdown). */
  clear(why: string): void {
    const ops = this.#ops;
    this.#ops = [];
    this.#running = false;
    for (const op of ops) op.dropped(why);
    this.#wakeDrained();
  }

  /** How long the oldest op still waiting or in flight has been queued (0: none), in ms. */
  oldestAgeMs(now = Date.now()): number {
    const oldest = this.#ops[0];
    return oldest ? Math.max(0, now - oldest.at) : 0;
  }

  #send(op: Op): void {
    op.sent = true;
    const sentAt = performance.now();
    this.#run(op).then(
      (result) => {
        noteRedisRoundTrip((performance.now() - sentAt) / 1000);
        if (!this.#remove(op)) return;
        op.done(result);
      },
      (err) => {
        op.sent = false;
        if (this.#isConnectionError(err)) {
          this.pause();
          this.#onConnectionError();
          return;
        }
        if (this.#remove(op)) op.dropped(errorMessage(err));
      },
    );
  }

  #remove(op: Op): boolean {
    const i = this.#ops.indexOf(op);
    if (i === -1) return false;
    this.#ops.splice(i, 1);
    // after the op's own `done`; only the oldest op's answer can end a wait
    if (i === 0 && this.#drainWaiters.length > 0) queueMicrotask(() => this.#wakeDrained());
    return true;
  }
}
