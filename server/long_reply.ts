/**
 * Long replies (LIST, WHO, NAMES of a big channel, history) sent in parts as the client's queue
 * drains. A reply never has to fit in the sendq, so asking never costs the asker the connection,
 * and a client that does not read holds at most a part of it. The command waits while its reply
 * goes out (the client's next lines wait their turn); a client that leaves ends it. While the
 * queue is short, parts go out at once, in the same task: a reply is only split in time when the
 * client is behind.
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { Outgoing } from "./outgoing.ts";

/** A reply of at most this many bytes goes out at once, like any other. */
export const SMALL_REPLY_BYTES = 4096;

/**
 * The bytes of one part for a sendq: a quarter of it. Each part waits until the queue is down to
 * a part's size, so a long reply keeps the queue under half the sendq (other traffic aside).
 */
export function partBytes(sendq: number): number {
  return Math.max(SMALL_REPLY_BYTES, Math.floor(sendq / 4));
}

/** Paces one long reply: asks for room before each part. */
export class Pacer {
  readonly #ctx: Context;
  readonly #part: number;
  /** Bytes sent since the queue was last seen short; full at first: the first part asks too. */
  #sent: number;

  constructor(ctx: Context) {
    this.#ctx = ctx;
    this.#part = partBytes(ctx.server.limits.sendqBytes);
    this.#sent = this.#part;
  }

  /**
   * Call before sending `bytes`: true when they may go now, false when the client left (stop),
   * or a promise of either once the queue has drained to a part's size.
   */
  room(bytes: number): boolean | Promise<boolean> {
    if (this.#sent + bytes <= this.#part) {
      this.#sent += bytes;
      return true;
    }
    this.#sent = bytes;
    return this.#ctx.session.drained(this.#part);
  }
}

/**
 * Sends `lines` in order: at once when they come to SMALL_REPLY_BYTES or less, else in parts
 * (see `Pacer`); a promise when it has to wait, resolved when all are sent or the client left.
 * `lines` may be lazy (LIST walks the channels as it goes).
 */
export function sendLong(ctx: Context, lines: Iterable<Outgoing>): void | Promise<void> {
  const { variant } = ctx.session;
  const rest = lines[Symbol.iterator]();
  const head: Outgoing[] = [];
  let size = 0;
  for (let next = rest.next(); !next.done; next = rest.next()) {
    head.push(next.value);
    size += next.value.bytes(variant).length;
    if (size > SMALL_REPLY_BYTES) return inParts(ctx, new Pacer(ctx), chain(head, rest));
  }
  for (const out of head) ctx.answer(out);
}

/** Sends the lines while there is room; waits (and goes on) when there is not. */
function inParts(ctx: Context, pacer: Pacer, lines: Iterator<Outgoing>): void | Promise<void> {
  for (let next = lines.next(); !next.done; next = lines.next()) {
    const out = next.value;
    const room = pacer.room(out.bytes(ctx.session.variant).length);
    if (room === false) return;
    if (room !== true) {
      return room.then((ok) => {
        if (!ok) return;
        ctx.answer(out);
        return inParts(ctx, pacer, lines);
      });
    }
    ctx.answer(out);
  }
}

function* chain<T>(head: T[], rest: Iterator<T>): Generator<T> {
  yield* head;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/**
 * Sends lines already in the client's form (`Context.answerBytes`), cut at line ends into parts that
 * each ask for room. False, with nothing sent, when the client needs messages instead (plain
 * text, a labeled reply): that cannot change while a command runs, so only the first part can be
 * refused. A promise when it has to wait.
 */
export function sendBlock(ctx: Context, block: Uint8Array): boolean | Promise<boolean> {
  return blockFrom(ctx, new Pacer(ctx), partBytes(ctx.server.limits.sendqBytes), block, 0);
}

function blockFrom(
  ctx: Context,
  pacer: Pacer,
  size: number,
  block: Uint8Array,
  start: number,
): boolean | Promise<boolean> {
  while (start < block.length) {
    const end = lineEnd(block, Math.min(block.length, start + size), start);
    const room = pacer.room(end - start);
    if (room === false) return true;
    if (room !== true) {
      return room.then((ok) => {
        if (!ok) return true;
        if (!ctx.answerBytes(block.subarray(start, end))) return false;
        return blockFrom(ctx, pacer, size, block, end);
      });
    }
    if (!ctx.answerBytes(block.subarray(start, end))) return false;
    start = end;
  }
  return true;
}

/** The end of the last whole line before `limit` (past `from`), or of the first one after it. */
function lineEnd(block: Uint8Array, limit: number, from: number): number {
  if (limit === block.length) return limit;
  const before = block.lastIndexOf(10, limit - 1);
  if (before >= from) return before + 1;
  const after = block.indexOf(10, limit);
  return after === -1 ? block.length : after + 1;
}
