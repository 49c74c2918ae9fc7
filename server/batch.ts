/**
 * IRCv3 batches sent to one client (chathistory, history replay, labeled responses), and turning
 * stored messages back into messages to send.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import type { Context } from "./context.ts";
import { sendLong } from "./long_reply.ts";
import { Outgoing } from "./outgoing.ts";
import type { StoredMessage } from "./store/history.ts";
import { storedLines } from "./store/multiline_text.ts";

let batchCounter = 0;

/** A batch reference unique within this server run. */
export function newBatchId(): string {
  return `b${(batchCounter++).toString(36)}`;
}

/**
 * Sends `messages` to the context's client inside a `BATCH +id type params…` … `BATCH -id`
 * when it negotiated `batch`; otherwise just the messages. A long batch goes out as the client
 * reads it (long_reply.ts): a promise then.
 */
export function sendBatch(
  ctx: Context,
  type: string,
  params: string[],
  messages: Outgoing[],
): void | Promise<void> {
  const { server } = ctx;
  if (!ctx.has("batch")) return sendLong(ctx, messages);
  const id = newBatchId();
  return sendLong(ctx, [
    new Outgoing(msg("BATCH", [`+${id}`, type, ...params], server.name)),
    ...messages.map((m) => m.with({ batch: id })),
    new Outgoing(msg("BATCH", [`-${id}`], server.name)),
  ]);
}

/**
 * A stored message as it is sent again: original source, time, msgid, tags and account; a
 * multiline one whole, as a batch or as lines (outgoing.ts).
 */
export function replayed(m: StoredMessage): Outgoing {
  const lines = storedLines(m.text);
  return new Outgoing(msg(m.command, lines ? [m.target] : [m.target, m.text], m.source), {
    time: m.time,
    tags: { msgid: m.msgid, ...m.tags },
    account: m.account,
    lines,
  });
}
