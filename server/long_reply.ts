/**
 * Long replies (LIST, WHO, NAMES of a big channel, history) sent in parts as the client's queue
 * drains. A reply never has to fit in the sendq, so asking never costs the asker the connection,
 * and a client that does not read holds at most a part of it. The command waits while its reply
 * goes out (the client's next lines wait their turn); a client that leaves ends it.
 *
 * @module
 */

import type { Context } from "./context.ts";
import type { Outgoing } from "./outgoing.ts";
import type { User } from "./state/user.ts";

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
  readonly #user: User;
  readonly #part: number;
  /** Bytes sent since the last wait; full at first, so that the first part waits too. */
  #sent: number;

  constructor(ctx: Context) {
    this.#user = ctx.user;
    this.#part = partBytes(ctx.server.limits.sendqBytes);
    this.#sent = this.#part;
  }

  /**
   * Call before sending `bytes`: true when they fit in the current part, else a promise of the
   * queue having drained to a part's size (false when the client left: stop then).
   */
  room(bytes: number): true | Promise<boolean> {
    if (this.#sent + bytes <= this.#part) {
      this.#sent += bytes;
      return true;
    }
    this.#sent = bytes;
    return this.#user.drained(this.#part);
  }
}

/**
 * Sends `lines` in order: at once when they come to SMALL_REPLY_BYTES or less, else in parts
 * (see `Pacer`), returning a promise that resolves when all are sent or the client left. `lines`
 * may be lazy (LIST walks the channels as it goes).
 */
export function sendLong(ctx: Context, lines: Iterable<Outgoing>): void | Promise<void> {
  const { user } = ctx;
  const rest = lines[Symbol.iterator]();
  const head: Outgoing[] = [];
  let size = 0;
  for (let next = rest.next(); !next.done; next = rest.next()) {
    head.push(next.value);
    size += next.value.bytes(user.variant).length;
    if (size > SMALL_REPLY_BYTES) return inParts(ctx, head, rest);
  }
  for (const out of head) user.send(out);
}

async function inParts(ctx: Context, head: Outgoing[], rest: Iterator<Outgoing>): Promise<void> {
  const { user } = ctx;
  const pacer = new Pacer(ctx);
  for (const out of chain(head, rest)) {
    const room = pacer.room(out.bytes(user.variant).length);
    if (room !== true && !await room) return;
    user.send(out);
  }
}

function* chain<T>(head: T[], rest: Iterator<T>): Generator<T> {
  yield* head;
  for (let next = rest.next(); !next.done; next = rest.next()) yield next.value;
}

/**
 * Sends lines already in the client's form (`User.sendBytes`), cut at line ends into parts that
 * each wait for room. Resolves false, with nothing sent, when the client needs messages instead
 * (plain text, a labeled reply): whether it does cannot change while a command runs, so only the
 * first part can be refused.
 */
export async function sendBlock(ctx: Context, block: Uint8Array): Promise<boolean> {
  const pacer = new Pacer(ctx);
  const size = partBytes(ctx.server.limits.sendqBytes);
  for (let start = 0; start < block.length;) {
    const end = lineEnd(block, Math.min(block.length, start + size), start);
    const room = pacer.room(end - start);
    if (room !== true && !await room) return true;
    if (!ctx.user.sendBytes(block.subarray(start, end))) return false;
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
