/**
 * CHATHISTORY (IRCv3 `draft/chathistory`: LATEST, BEFORE, AFTER, AROUND, BETWEEN, TARGETS) and
 * the replay of recent lines on JOIN for clients without it, plain-text users included.
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { isChannelName } from "../../protocol/names.ts";
import { replayed, sendBatch } from "../batch.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { privateConversation, targetScope } from "../history_access.ts";
import { sendLong } from "../long_reply.ts";
import { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import {
  type ConversationSummary,
  type MessageRef,
  type StoredMessage,
  whenReady,
} from "../store/history.ts";

/** Parses `*`, `timestamp=2026-01-01T00:00:00.000Z` or `msgid=abc`. */
export function parseRef(text: string | undefined, allowStar: boolean): MessageRef | undefined {
  if (text === undefined) return undefined;
  if (text === "*") return allowStar ? "*" : undefined;
  if (text.startsWith("msgid=") && text.length > 6) return { msgid: text.slice(6) };
  if (text.startsWith("timestamp=")) {
    const time = Date.parse(text.slice(10));
    return Number.isFinite(time) ? { time } : undefined;
  }
  return undefined;
}

function clock(time: number): string {
  const d = new Date(time);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/**
 * Sends stored messages as a `chathistory` batch, each with its original time; a long one as the
 * client reads it (long_reply.ts), so that no reply overflows the sendq.
 */
function sendHistory(
  ctx: Context,
  target: string,
  messages: StoredMessage[],
): void | Promise<void> {
  const withTime = !ctx.has("server-time");
  return sendBatch(
    ctx,
    "chathistory",
    [target],
    underName(messages, target).map((m) => {
      const out = replayed(m);
      return withTime ? out.with({ time: new Date(m.time).toISOString() }) : out;
    }),
  );
}

/**
 * Replays the last lines of a channel to a user who just joined and cannot ask for history
 * themselves: in a batch with times when the client understands that, otherwise between two
 * notices, with the time written into each line for clients that would show arrival time.
 */
export function replayOnJoin(ctx: Context, channel: Channel): void | Promise<void> {
  const { server, stores } = ctx;
  const lines = server.history.replayLines;
  if (lines <= 0 || ctx.has("draft/chathistory")) return;
  return whenReady(
    stores.history.latest(channel.historyKey, "*", lines),
    (messages) => replay(ctx, channel.name, messages, `the last ${messages.length} messages`),
  );
}

/**
 * Replays stored messages of `target` to a client that cannot ask for history: in a batch with
 * times when it understands that, otherwise between two notices (the first says `what` they
 * are), with the time written into each line for clients that would show arrival time.
 */
export function replay(
  ctx: Context,
  target: string,
  messages: StoredMessage[],
  what: string,
): void | Promise<void> {
  const { user, server } = ctx;
  if (messages.length === 0) return;
  if (ctx.has("batch") && ctx.has("server-time")) {
    return sendHistory(ctx, target, messages);
  }
  const notice = (text: string) => new Outgoing(msg("NOTICE", [user.nick, text], server.name));
  const stamp = !ctx.session.plainText && !ctx.has("server-time");
  return sendLong(ctx, [
    notice(`*** History of ${target}: ${what}`),
    ...underName(messages, target).map((m) =>
      replayed({ ...m, text: stamp ? `[${clock(m.time)}] ${m.text}` : m.text })
    ),
    notice(`*** End of history of ${target}`),
  ]);
}

/**
 * A channel's stored messages as addressed to the name it has now: it may have been renamed since
 * (RENAME), its history with it. Private messages are left as they were.
 */
function underName(messages: StoredMessage[], target: string): StoredMessage[] {
  if (!isChannelName(target)) return messages;
  return messages.map((m) => m.target === target ? m : { ...m, target });
}

function invalid(ctx: Context, sub: string, why: string): void {
  ctx.fail("CHATHISTORY", "INVALID_PARAMS", sub, why);
}

function targets(ctx: Context, [a, b, limitText]: string[]): void | Promise<void> {
  const { user, stores, server } = ctx;
  const from = parseRef(a, false), to = parseRef(b, false);
  const limit = Number(limitText);
  if (
    typeof from !== "object" || !("time" in from) || typeof to !== "object" ||
    !("time" in to) || !(limit > 0)
  ) {
    return invalid(ctx, "TARGETS", "Expected two timestamps and a limit");
  }
  const n = Math.min(limit, server.history.queryLimit);
  const found = stores.history.targets(targetScope(user, stores.accounts), from.time, to.time, n);
  return whenReady(found, (list) => sendTargets(ctx, list));
}

function sendTargets(ctx: Context, list: ConversationSummary[]): void | Promise<void> {
  const { server } = ctx;
  return sendBatch(
    ctx,
    "draft/chathistory-targets",
    [],
    list.map((t) =>
      new Outgoing(
        msg("CHATHISTORY", ["TARGETS", t.target, new Date(t.latest).toISOString()], server.name),
      )
    ),
  );
}

/** CHATHISTORY. */
export const chathistoryCommands: Record<string, CommandSpec> = {
  CHATHISTORY: {
    minParams: 1,
    handler(ctx, params) {
      const { user, hub, stores, server } = ctx;
      const sub = params[0].toUpperCase();
      if (sub === "TARGETS") return targets(ctx, params.slice(1));
      const between = sub === "BETWEEN";
      const target = params[1];
      const refA = parseRef(params[2], sub === "LATEST");
      const refB = between ? parseRef(params[3], false) : undefined;
      const limit = Number(params[between ? 4 : 3]);
      if (!["LATEST", "BEFORE", "AFTER", "AROUND", "BETWEEN"].includes(sub)) {
        ctx.fail("CHATHISTORY", "INVALID_PARAMS", sub, "Unknown subcommand");
        return;
      }
      if (!target || !refA || (between && !refB) || !Number.isInteger(limit) || limit <= 0) {
        return invalid(ctx, sub, "Expected a target, message references and a limit");
      }
      let conversation: string | undefined;
      if (isChannelName(target)) {
        const channel = hub.findChannel(target);
        if (!channel?.has(user)) {
          ctx.fail("CHATHISTORY", "INVALID_TARGET", sub, target, "You are not on that channel");
          return;
        }
        conversation = channel.historyKey;
      } else {
        // private history is kept for accounts only: logged out, there is none to read
        conversation = privateConversation(user, target, hub, stores.accounts);
        if (conversation === undefined) return sendHistory(ctx, target, []);
      }
      const n = Math.min(limit, server.history.queryLimit);
      const h = stores.history;
      const found = sub === "LATEST"
        ? h.latest(conversation, refA, n)
        : sub === "BEFORE"
        ? h.before(conversation, refA, n)
        : sub === "AFTER"
        ? h.after(conversation, refA, n)
        : sub === "AROUND"
        ? h.around(conversation, refA, n)
        : h.between(conversation, refA, refB!, n);
      return whenReady(found, (messages) => sendHistory(ctx, target, messages));
    },
  },
};
