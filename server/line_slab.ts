/**
 * Outgoing lines laid end to end in shared buffers.
 *
 * Encoding a line into its own `Uint8Array` costs an allocation per line, and a recipient of a
 * busy channel then needs its queued lines copied into one buffer per write. Encoded into a slab
 * instead, the lines of a burst sit next to each other: the outbox merges adjacent views into one
 * run and writes it without copying (see outbox.ts).
 *
 * @module
 */

/**
 * Bytes per slab. A recipient's run that crosses into a new slab is copied into one buffer for its
 * write; with 16 KiB writes (the outbox's coalescing cap) and 32 KiB slabs that was every second
 * write in a busy channel (430 MB copied for 630 MB sent), with 128 KiB one in seven. A stalled
 * client pins at most PINNED_RUNS slabs (outbox.ts), 2 MiB.
 */
export const SLAB_BYTES = 128 * 1024;

const encoder = new TextEncoder();

/** An append-only line encoder over a series of slabs; bytes once handed out never change. */
export class LineSlab {
  #slab = new Uint8Array(SLAB_BYTES);
  #at = 0;

  /** `line` plus CRLF, as UTF-8, in the current slab (a new one when it might not fit). */
  encode(line: string): Uint8Array {
    const worst = line.length * 3 + 2; // UTF-8 needs at most 3 bytes per UTF-16 unit
    if (worst > SLAB_BYTES >> 2) return encoder.encode(line + "\r\n");
    if (this.#at + worst > SLAB_BYTES) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#at = 0;
    }
    const slab = this.#slab;
    const start = this.#at;
    let at = start + encoder.encodeInto(line, slab.subarray(start)).written;
    slab[at++] = 13;
    slab[at++] = 10;
    this.#at = at;
    return slab.subarray(start, at);
  }
}
