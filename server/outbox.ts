/**
 * A connection's outgoing queue: one write in flight, everything queued meanwhile sent as one
 * coalesced write, partial writes resumed, and a hard cap (sendq) past which the client is cut
 * off instead of slowing anyone else down.
 *
 * @module
 */

import { concat } from "../util/bytes.ts";
import { COUNTERS } from "./metrics/counters.ts";

/** The one thing the outbox needs from a socket. */
export interface ByteWriter {
  /** Writes some prefix of `p` and resolves with its length (like `Deno.Conn.write`). */
  write(p: Uint8Array): Promise<number>;
}

/** What an outbox reports to its owner. */
export interface OutboxEvents {
  /** The queue would exceed the limit; nothing more is written. */
  overflow(): void;
  /** The socket refused a write; nothing more is written. */
  error(err: unknown): void;
  /**
   * Called right before bytes go to the socket. The session commits pending history here, so
   * no client ever sees a message (an echo, say) that is not yet stored. False holds the queue
   * back (the history store is unavailable) until the owner calls `resume`.
   */
  beforeWrite?(): boolean;
}

/**
 * After a write, a connection "cools" for this long: what is queued meanwhile waits for one
 * timer shared by all cooling connections. A recipient of a busy stream (a big channel, a join
 * storm) so gets one write per window instead of one per message, while a connection that was
 * quiet is still written to at once.
 */
export const COALESCE_MS = 2;
/** A cooling connection with this much queued writes at once: coalescing never costs memory. */
export const COALESCE_MAX_BYTES = 16 * 1024;
/**
 * Queued views into shared buffers (line_slab.ts) pin those buffers. A connection keeps at most
 * this many separate runs as views: then they are copied into one buffer of its own, so a stalled
 * client cannot hold many mostly-foreign buffers alive.
 */
export const PINNED_RUNS = 16;

/** Per-connection send queue with coalescing. */
export class Outbox {
  static #cooling = new Set<Outbox>();
  static #timerArmed = false;

  /** The shared window ended: cooling connections with something queued write it now. */
  static #release(): void {
    Outbox.#timerArmed = false;
    const boxes = Outbox.#cooling;
    Outbox.#cooling = new Set();
    for (const box of boxes) {
      box.#isCooling = false;
      if (box.#queuedBytes > 0 && !box.#flushing && !box.#held) {
        box.#flushing = true;
        box.#flush();
      }
    }
  }

  static #cool(box: Outbox): void {
    box.#isCooling = true;
    Outbox.#cooling.add(box);
    if (!Outbox.#timerArmed) {
      Outbox.#timerArmed = true;
      setTimeout(Outbox.#release, COALESCE_MS);
    }
  }

  readonly #writer: ByteWriter;
  readonly #limit: number;
  readonly #events: OutboxEvents;
  /** Runs of bytes waiting, oldest first, except the newest run (below). */
  #queue: Uint8Array[] = [];
  /** How many of the last entries of `#queue` are views into shared buffers. */
  #views = 0;
  /** The newest run: starts as `#run` and reaches to `#runEnd` in the same buffer. */
  #run: Uint8Array | undefined;
  /**
   * `#run.buffer`, kept: the getter costs ~9 ns, and the adjacency check runs for every line a
   * busy recipient is sent.
   */
  #runBuffer: ArrayBufferLike | undefined;
  #runEnd = 0;
  #queuedBytes = 0;
  #inFlightBytes = 0;
  #flushing = false;
  /** No more pushes: the connection is ending (a final line may still go out). */
  #finishing = false;
  /** Nothing more is written at all. */
  #stopped = false;
  /** Who waits for the queue to come down to some size (see `drained`); mostly no one. */
  #drainWaiters: { below: number; resolve: () => void }[] | undefined;
  /** Written moments ago: queued bytes wait for the shared timer. */
  #isCooling = false;
  /** `beforeWrite` said no: nothing is written until `resume`. */
  #held = false;

  constructor(writer: ByteWriter, limit: number, events: OutboxEvents) {
    this.#writer = writer;
    this.#limit = limit;
    this.#events = events;
  }

  /** Bytes accepted and not yet written, including a write in flight. */
  get pendingBytes(): number {
    return this.#queuedBytes + this.#inFlightBytes;
  }

  /**
   * Queues bytes; the first push of a burst schedules one flush for everything queued. Past the
   * limit, the unsent queue is dropped and `overflow` is reported once.
   */
  push(bytes: Uint8Array): void {
    if (this.#finishing || this.#stopped) return;
    if (this.pendingBytes + bytes.length > this.#limit) {
      this.#finishing = true;
      this.#drop();
      COUNTERS.sendqExceeded++;
      this.#events.overflow();
      return;
    }
    this.#enqueue(bytes);
  }

  /** Accepts no more pushes; `last` (an ERROR line) still goes out after what is queued. */
  finish(last?: Uint8Array): void {
    if (this.#stopped) return;
    this.#finishing = true;
    if (last) this.#enqueue(last);
  }

  /**
   * Resolves once at most `below` bytes are left to write (by default: everything queued so far
   * is written), or the outbox stopped. A long reply waits on this between its parts.
   */
  drained(below = 0): Promise<void> {
    if (this.pendingBytes <= below || this.#stopped) return Promise.resolve();
    return new Promise((resolve) => (this.#drainWaiters ??= []).push({ below, resolve }));
  }

  /** Writes again after `beforeWrite` held the queue; `first` goes out before what waited. */
  resume(first?: Uint8Array): void {
    if (!this.#held) return;
    this.#held = false;
    if (this.#stopped) return;
    if (first) {
      this.#queue.unshift(first);
      this.#queuedBytes += first.length;
    }
    if (this.#queuedBytes > 0 && !this.#flushing) this.#scheduleFlush();
  }

  /** Drops the queue and writes nothing more. */
  stop(): void {
    this.#stopped = true;
    this.#finishing = true;
    this.#drop();
    this.#wake();
  }

  #drop(): void {
    this.#queue = [];
    this.#views = 0;
    this.#run = this.#runBuffer = undefined;
    this.#queuedBytes = 0;
  }

  #enqueue(bytes: Uint8Array): void {
    const size = bytes.byteLength;
    if (size === 0) return;
    const run = this.#run;
    if (
      run !== undefined && bytes.byteOffset === this.#runEnd && bytes.buffer === this.#runBuffer
    ) {
      this.#runEnd += size; // adjacent in the same slab: the run grows, nothing is stored
    } else {
      if (run !== undefined) {
        if (this.#views === PINNED_RUNS) this.#ownViews();
        this.#queue.push(this.#runView());
        this.#views++;
      }
      this.#run = bytes;
      this.#runBuffer = bytes.buffer;
      this.#runEnd = bytes.byteOffset + size;
    }
    this.#queuedBytes += size;
    if (
      !this.#flushing && !this.#held &&
      (!this.#isCooling || this.#queuedBytes >= COALESCE_MAX_BYTES)
    ) {
      this.#scheduleFlush();
    }
  }

  /**
   * Lets the current task finish queuing, so that a burst leaves in one write. A method of its
   * own: a closure over `this` inside `#enqueue` would make V8 allocate a context on every push.
   */
  #scheduleFlush(): void {
    this.#flushing = true;
    queueMicrotask(() => this.#flush());
  }

  async #flush(): Promise<void> {
    let scratch: Uint8Array | undefined;
    try {
      while (this.#queuedBytes > 0 && !this.#stopped) {
        if (this.#events.beforeWrite?.() === false) {
          this.#held = true;
          break;
        }
        if (this.#run !== undefined) {
          this.#queue.push(this.#runView());
          this.#run = this.#runBuffer = undefined;
          this.#views++;
        }
        const queue = this.#queue;
        const first = queue[0]!; // #queuedBytes > 0 (the loop's condition): never empty
        let rest: Uint8Array;
        if (queue.length === 1 || first.length >= SCRATCH_BYTES / 2) {
          rest = first; // alone, or big: written as it is
        } else {
          // Small runs are copied together, up to one scratch buffer's worth: a backlog of
          // megabytes then leaves in writes of 64 KiB without being copied into a new buffer.
          let n = 0, size = 0;
          for (const run of queue) {
            if (size + run.length > SCRATCH_BYTES) break;
            size += run.length;
            n++;
          }
          scratch = takeScratch();
          rest = concat(queue.slice(0, n), scratch);
        }
        this.#dequeue(rest.length);
        this.#inFlightBytes = rest.length;
        while (rest.length > 0) {
          const n = await this.#writer.write(rest);
          rest = rest.subarray(n);
        }
        this.#inFlightBytes = 0;
        if (scratch) {
          giveScratch(scratch);
          scratch = undefined;
        }
        // a long reply waiting for room goes on while this backlog is still being written
        if (this.#drainWaiters) this.#wake();
      }
    } catch (err) {
      if (scratch) giveScratch(scratch); // the failed write is over: nothing reads it any more
      this.#inFlightBytes = 0;
      if (!this.#stopped) {
        this.stop();
        this.#events.error(err);
      }
    }
    this.#flushing = false;
    if (this.#held) return; // not drained: `resume` flushes again
    if (!this.#stopped) Outbox.#cool(this);
    this.#wake();
  }

  /** Drops the first `bytes` of the queue (whole entries), which are being written. */
  #dequeue(bytes: number): void {
    const queue = this.#queue;
    let n = 0, size = 0;
    for (const run of queue) {
      if (size >= bytes) break;
      size += run.length;
      n++;
    }
    this.#queue = n === queue.length ? [] : queue.slice(n);
    this.#views = Math.min(this.#views, this.#queue.length);
    this.#queuedBytes -= bytes;
  }

  /** Copies the queued views into one buffer of this connection's own. */
  #ownViews(): void {
    const queue = this.#queue;
    queue.push(concat(queue.splice(queue.length - this.#views)));
    this.#views = 0;
  }

  /** The newest run as one view. */
  #runView(): Uint8Array {
    const run = this.#run!;
    const size = this.#runEnd - run.byteOffset;
    return size === run.byteLength ? run : new Uint8Array(run.buffer, run.byteOffset, size);
  }

  /** Resolves the waiters whose size the queue has come down to (all once stopped). */
  #wake(): void {
    const waiters = this.#drainWaiters;
    if (!waiters) return;
    const pending = this.pendingBytes;
    const ready: (() => void)[] = [];
    this.#drainWaiters = undefined;
    for (const w of waiters) {
      if (this.#stopped || pending <= w.below) ready.push(w.resolve);
      else (this.#drainWaiters ??= []).push(w);
    }
    for (const resolve of ready) resolve();
  }
}

/**
 * Runs that are not adjacent are copied into one buffer for their write (a run crossing slabs, a
 * slow reader's backlog, taken SCRATCH_BYTES at a time). A few such buffers are kept and reused once
 * their write is complete: a join storm copied gigabytes into buffers used once, and allocating
 * them and the collections that set off cost a fifth of the server's CPU there. When every one of
 * them is in flight (slow readers hold theirs), a buffer of the exact size is made instead.
 */
export const SCRATCH_BYTES = 64 * 1024;
/** Scratch buffers made, at most: 1 MiB in all. */
const SCRATCH_BUFFERS = 16;
const freeScratch: Uint8Array[] = [];
let scratchMade = 0;

/** A free scratch buffer, or undefined when all are in use. */
function takeScratch(): Uint8Array | undefined {
  const free = freeScratch.pop();
  if (free !== undefined || scratchMade === SCRATCH_BUFFERS) return free;
  scratchMade++;
  return new Uint8Array(SCRATCH_BYTES);
}

/** Returns a scratch buffer whose write is over. */
function giveScratch(buffer: Uint8Array): void {
  freeScratch.push(buffer);
}
