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
import { OP, VOICE } from "../state/channel.ts";
import { privateCopies } from "../history_access.ts";
import type { StoredMessage } from "../store/history.ts";

/**
 * Client-only tags (`+name`) a `message-tags` client attached, plus the message's msgid, and
 * `bot` (no value) from a bot (ircv3 bot-mode). They travel with the message (to other cluster
 * nodes too) and reach only `message-tags` clients.
 */
function relayTags(ctx: Context, message: Message, msgid: string): Tags {
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

function clientTags(tags: Tags): Tags | undefined {
  let client: Tags | undefined;
  for (const [key, value] of Object.entries(tags)) if (key[0] === "+") (client ??= {})[key] = value;
  return client;
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
    const { status, name } = statusTarget(target);
    if (isChannelName(name)) {
      const channel = hub.findChannel(name);
      if (!channel) {
        if (!quiet) ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
        continue;
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
        continue;
      }
      // status messages (@#chan) are for ops only: never replayed to everyone
      const history = kept && status === undefined
        ? [{ conversation: channel.historyKey, message: stored(out, msgid) }]
        : [];
      hub.relay({ ...relay, out, to: { channel, status }, history });
    } else {
      const recipient = hub.findUser(target);
      if (!recipient || !recipient.registered) {
        if (!quiet) ctx.reply(N.ERR_NOSUCHNICK, target, "No such nick/channel");
        continue;
      }
      if (command === "PRIVMSG" && recipient.away !== undefined) {
        ctx.reply(N.RPL_AWAY, recipient.nick, recipient.away);
      }
      const copies = kept ? privateCopies(user, recipient, ctx.stores.accounts) : [];
      const history = copies.map(({ conversation, label }) => ({
        conversation,
        message: stored(out, msgid),
        label,
      }));
      hub.relay({ ...relay, out, to: { user: recipient }, history });
    }
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
