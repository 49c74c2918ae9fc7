/**
 * Client-initiated BATCH (IRCv3 client-batch) of the one type chat accepts, `draft/multiline`:
 * the client opens `BATCH +ref draft/multiline <target>`, sends PRIVMSG or NOTICE lines tagged
 * `batch=ref`, and closes with `BATCH -ref`; the message is then relayed, stored and echoed as
 * one (commands/privmsg.ts decides who may send it where). What a batch may hold is bounded by
 * state/multiline_batch.ts; one batch is open per connection, it times out, and it ends with the
 * connection, so a client cannot make the server hold more than one message's worth.
 *
 * @module
 */

import { type Message, msg } from "../../protocol/message.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { isServiceNick } from "../login.ts";
import { nextMsgid } from "../msgid.ts";
import { Outgoing } from "../outgoing.ts";
import { type BatchError, MultilineBatch, type TextLine } from "../state/multiline_batch.ts";
import type { StoredMessage } from "../store/history.ts";
import { storedText } from "../store/multiline_text.ts";
import { clientTags, historyCopies, messageTarget, relayTags } from "./privmsg.ts";
import { COUNTERS } from "../metrics/counters.ts";

/** A client's batch reference: short, and safe to echo back in a FAIL. */
const REFERENCE = /^[A-Za-z0-9._-]{1,64}$/;

function refuse(ctx: Context, error: BatchError): void {
  ctx.session.batch = undefined;
  ctx.fail("BATCH", error.code, ...error.context, error.description);
}

function open(ctx: Context, ref: string, [type, target]: string[], message: Message): void {
  const { session } = ctx;
  if (session.batch || message.tags?.batch !== undefined) {
    // one batch at a time, never nested: the open one is dropped as well
    return refuse(ctx, invalidBatch("Multiline batches cannot be nested"));
  }
  if (!REFERENCE.test(ref)) {
    return ctx.fail("BATCH", "INVALID_REFTAG", ref.slice(0, 64), "Invalid batch reference");
  }
  if (type !== "draft/multiline" || !ctx.has("draft/multiline")) {
    return ctx.fail("BATCH", "UNKNOWN_TYPE", ref, type ?? "*", "Unknown batch type");
  }
  if (!target || target.includes(",")) {
    return ctx.fail("BATCH", "MULTILINE_INVALID", "A multiline batch has one target");
  }
  const tags = message.tags && ctx.has("message-tags") ? clientTags(message.tags) : undefined;
  session.batch = new MultilineBatch(ref, target, tags, Date.now());
}

function invalidBatch(description: string): BatchError {
  return { code: "MULTILINE_INVALID", context: [], description };
}

/** `BATCH -ref`: the batch is complete; a reference not open (refused already) is ignored. */
function close(ctx: Context, ref: string): void {
  const batch = ctx.session.batch;
  if (!batch || batch.ref !== ref) return;
  ctx.session.batch = undefined;
  const done = batch.finish();
  if ("code" in done) return refuse(ctx, done);
  send(ctx, batch.command!, batch.target, done.lines, batch.tags);
}

/** Relays a complete multiline message: one msgid, stored whole, echoed as one. */
function send(
  ctx: Context,
  command: "PRIVMSG" | "NOTICE",
  target: string,
  lines: TextLine[],
  tags: Record<string, string> | undefined,
): void {
  const { user, hub, server } = ctx;
  if (isServiceNick(target)) {
    return refuse(ctx, invalidBatch("Services read one line at a time"));
  }
  const to = messageTarget(ctx, command, target);
  if (!to) return;
  const now = Date.now();
  if (command === "PRIVMSG") user.lastMessage = now;
  const msgid = nextMsgid(now);
  const out = new Outgoing(msg(command, [target], user.source), {
    time: now,
    tags: relayTags(ctx, { command, params: [], tags }, msgid),
    account: user.account,
    lines,
  });
  const stored: StoredMessage = {
    msgid,
    time: now,
    target,
    source: user.source,
    account: user.account,
    command,
    text: storedText(out.lines!),
    tags,
  };
  COUNTERS.messages++;
  hub.relay({
    from: user,
    session: ctx.session,
    out,
    to,
    history: historyCopies(ctx, to, stored),
    echo: ctx.has("echo-message"),
  });
  if (server.logMessages) {
    server.log.info(`${command} ${user.nick} -> ${target}: ${lines.map((l) => l.text).join("⏎")}`);
  }
}

/**
 * A message tagged `batch=` from the client: a line of its open multiline batch, refused with
 * the batch when it breaks a rule; one for no open batch (refused or timed out) is ignored, as
 * client-batch says.
 */
export function batchLine(ctx: Context, message: Message): void {
  const batch = ctx.session.batch;
  if (!batch || batch.ref !== message.tags?.batch) return;
  if (message.command === "BATCH") {
    return refuse(ctx, invalidBatch("Multiline batches cannot be nested"));
  }
  const [target, text = ""] = message.params;
  const concat = message.tags["draft/multiline-concat"] !== undefined;
  const error = batch.add(message.command, target, text, concat);
  if (error) refuse(ctx, error);
}

/**
 * Drops a batch left open past `batchTimeoutMs` (called by the connection's tick): an open batch
 * holds memory, so it cannot be held forever.
 */
export function expireBatch(ctx: Context, now: number): void {
  const batch = ctx.session.batch;
  if (!batch || now - batch.openedAt < ctx.server.limits.batchTimeoutMs) return;
  ctx.session.batch = undefined;
  ctx.fail("BATCH", "TIMEOUT", batch.ref, "Multiline batch timed out");
}

/** BATCH. */
export const batchCommands: Record<string, CommandSpec> = {
  BATCH: {
    minParams: 1,
    handler: (ctx, [reference, ...rest], message) => {
      if (reference.startsWith("+")) return open(ctx, reference.slice(1), rest, message);
      if (reference.startsWith("-")) return close(ctx, reference.slice(1));
      ctx.fail("BATCH", "INVALID_REFTAG", reference.slice(0, 64), "Invalid batch reference");
    },
  },
};
