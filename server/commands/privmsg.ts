/**
 * PRIVMSG, NOTICE and TAGMSG to channels (including `@#chan` status messages) and nicks: the hot
 * path of chat. NOTICE never triggers error replies, as RFC 2812 requires.
 *
 * @module
 */

import type { Message, Tags } from "../../protocol/message.ts";
import { msg } from "../../protocol/message.ts";
import { isChannelName } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { Outgoing } from "../outgoing.ts";
import { isServiceNick } from "../login.ts";
import { nextMsgid } from "../msgid.ts";
import { runService } from "../services/index.ts";
import { type Channel, OP, VOICE } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { HistoryCopy } from "../hub.ts";
import { privateCopies } from "../history_access.ts";
import type { StoredMessage } from "../store/history.ts";
import { COUNTERS } from "../metrics/counters.ts";

/**
 * Client-only tags (`+name`) a `message-tags` client attached, plus the message's msgid, and
 * `bot` (no value) from a bot (ircv3 bot-mode). They travel with the message (to other cluster
 * nodes too) and reach only `message-tags` clients.
 */
export function relayTags(ctx: Context, message: Message, msgid: string): Tags {
  const tags: Tags = { msgid };
  if (ctx.user.isBot) tags.bot = "";
  if (message.tags && ctx.has("message-tags")) {
    for (const [key, value] of Object.entries(message.tags)) if (key[0] === "+") tags[key] = value;
  }
  return tags;
}

/** Splits `@#chan` into the status bits it addresses and the channel name. */
function statusTarget(target: string): { status?: number; name: string } {
  const c = target[0];
  if ((c === "@" || c === "+") && isChannelName(target.slice(1))) {
    return { status: c === "@" ? OP : OP | VOICE, name: target.slice(1) };
  }
  return { name: target };
}

/**
 * A relayed PRIVMSG/NOTICE as history keeps it. The text is the Outgoing's, shortened to fit the
 * line, so a replay shows exactly what was relayed.
 */
function stored(out: Outgoing, msgid: string): StoredMessage {
  const m = out.message;
  const [target = "", text = ""] = m.params; // deliver builds it as [target, text]
  return {
    msgid,
    time: out.time!,
    target,
    source: m.source!,
    account: out.account,
    command: m.command as "PRIVMSG" | "NOTICE",
    text,
    tags: clientTags(out.tags!),
  };
}

/** The client-only tags among `tags`, as history keeps them. */
export function clientTags(tags: Tags): Tags | undefined {
  let client: Tags | undefined;
  for (const [key, value] of Object.entries(tags)) if (key[0] === "+") (client ??= {})[key] = value;
  return client;
}

/** Where a message goes once its target is checked: a channel (status bits for `@#chan`) or a user. */
export type MessageTarget = { channel: Channel; status?: number } | { user: User };

/**
 * Finds `target` and checks that the user may send `command` to it (+n, +m, +b), answering the
 * error when not (never to a NOTICE); a PRIVMSG to an away user gets RPL_AWAY. One rule for
 * single messages and multiline batches (batch.ts).
 */
export function messageTarget(
  ctx: Context,
  command: string,
  target: string,
): MessageTarget | undefined {
  const { user, hub } = ctx;
  const quiet = command === "NOTICE";
  const { status, name } = statusTarget(target);
  if (isChannelName(name)) {
    const channel = hub.findChannel(name);
    if (!channel) {
      if (!quiet) ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
      return undefined;
    }
    const member = channel.has(user);
    const voiced = channel.canSpeakWhenModerated(user);
    const blocked = (channel.modes.has("n") && !member)
      ? "+n"
      : (channel.modes.has("m") && !voiced)
      ? "+m"
      : channel.silencedByBan(user)
      ? "+b"
      : undefined;
    if (blocked) {
      if (!quiet) {
        ctx.reply(N.ERR_CANNOTSENDTOCHAN, channel.name, `Cannot send to channel (${blocked})`);
      }
      return undefined;
    }
    return { channel, status };
  }
  const recipient = hub.findUser(target);
  if (!recipient || !recipient.registered) {
    if (!quiet) ctx.reply(N.ERR_NOSUCHNICK, target, "No such nick/channel");
    return undefined;
  }
  if (command === "PRIVMSG" && recipient.away !== undefined) {
    ctx.reply(N.RPL_AWAY, recipient.nick, recipient.away);
  }
  return { user: recipient };
}

/**
 * Where a message to `to` is filed: the channel's history (never for a status message, which is
 * for ops only), or the private conversation's copies.
 */
export function historyCopies(
  ctx: Context,
  to: MessageTarget,
  message: StoredMessage,
): HistoryCopy[] {
  if ("channel" in to) {
    return to.status === undefined ? [{ conversation: to.channel.historyKey, message }] : [];
  }
  return privateCopies(ctx.user, to.user, ctx.stores.accounts).map(({ conversation, label }) => ({
    conversation,
    message,
    label,
  }));
}

function deliver(
  ctx: Context,
  command: string,
  params: string[],
  message: Message,
): void | Promise<void> {
  const { user, hub, server } = ctx;
  const quiet = command === "NOTICE"; // never answer a NOTICE automatically
  const [targets, text = ""] = params;
  const isTagmsg = command === "TAGMSG";
  if (!targets) {
    if (!quiet) ctx.reply(N.ERR_NORECIPIENT, `No recipient given (${command})`);
    return;
  }
  if (!isTagmsg && !text) {
    if (!quiet) ctx.reply(N.ERR_NOTEXTTOSEND, "No text to send");
    return;
  }
  const list = targets.split(",");
  if (list.length > server.limits.maxTargets) {
    if (!quiet) ctx.reply(N.ERR_TOOMANYTARGETS, targets, "Too many recipients");
    return;
  }
  const now = Date.now();
  if (command === "PRIVMSG") user.lastMessage = now;
  const kept = !isTagmsg;
  const relay = {
    from: user,
    session: ctx.session,
    cap: isTagmsg ? "message-tags" : undefined,
    echo: ctx.has("echo-message"),
  };
  let serviceCall: Promise<void> | undefined;
  for (const target of list) {
    if (isServiceNick(target)) {
      if (command === "PRIVMSG") serviceCall = runService(ctx, target, text);
      continue;
    }
    const msgid = nextMsgid(now);
    const out = new Outgoing(msg(command, isTagmsg ? [target] : [target, text], user.source), {
      time: now,
      tags: relayTags(ctx, message, msgid),
      account: user.account,
    });
    const to = messageTarget(ctx, command, target);
    if (!to) continue;
    const history = kept ? historyCopies(ctx, to, stored(out, msgid)) : [];
    COUNTERS.messages++;
    hub.relay({ ...relay, out, to, history });
    if (server.logMessages && !isTagmsg) {
      server.log.info(`${command} ${user.nick} -> ${target}: ${out.message.params[1]}`);
    }
  }
  return serviceCall;
}

/** PRIVMSG, NOTICE, TAGMSG. */
export const privmsgCommands: Record<string, CommandSpec> = {
  PRIVMSG: { minParams: 0, handler: (ctx, params, m) => deliver(ctx, "PRIVMSG", params, m) },
  NOTICE: { minParams: 0, handler: (ctx, params, m) => deliver(ctx, "NOTICE", params, m) },
  TAGMSG: { minParams: 0, handler: (ctx, params, m) => deliver(ctx, "TAGMSG", params, m) },
};
