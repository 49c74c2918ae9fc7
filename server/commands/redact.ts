/**
 * REDACT (IRCv3 `draft/message-redaction`): `REDACT <target> <msgid> [:<reason>]` deletes a
 * stored PRIVMSG or NOTICE. The rules are redaction.ts's; this finds the message in the history
 * the redactor may read (a channel it is on, its own copy of a private conversation), deletes
 * every copy from the store, then relays the REDACT to the target's sessions with the capability
 * (the redactor's included) and a NOTICE to those without it.
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { isChannelName } from "../../protocol/names.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import type { Relay } from "../hub.ts";
import { sentPrivateCopies } from "../history_access.ts";
import { nextMsgid } from "../msgid.ts";
import { Outgoing } from "../outgoing.ts";
import { fallbackText, REDACTION_CAP, redactVerdict } from "../redaction.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { StoredMessage } from "../store/history.ts";

/** Where a REDACT looks and whom it tells. */
interface RedactTarget {
  /** The conversation the message is looked up in (the redactor's view of it). */
  conversation: string;
  /** Every copy the message is deleted from. */
  copies: string[];
  to: Relay["to"];
  channel?: Channel;
}

/** The conversation of `target` the user may redact in, or undefined (INVALID_TARGET). */
function resolve(ctx: Context, target: string): RedactTarget | "invalid" | "none" {
  const { user, hub, stores } = ctx;
  if (isChannelName(target)) {
    const channel = hub.findChannel(target);
    if (!channel?.has(user)) return "invalid";
    const key = channel.historyKey;
    return { conversation: key, copies: [key], to: { channel }, channel };
  }
  const copies = sentPrivateCopies(user, target, hub, stores.accounts);
  if (copies.length === 0) return "none"; // nothing is kept for a user without an account
  const recipient = hub.findUser(target);
  // a party not online now: only the redactor's own sessions are told
  const to = recipient?.registered ? { user: recipient } : { user };
  return { conversation: copies[0]!, copies, to };
}

/** Deletes the message everywhere, then tells those concerned. */
async function carryOut(
  ctx: Context,
  target: string,
  where: RedactTarget,
  m: StoredMessage,
  reason: string | undefined,
): Promise<void> {
  const { user, hub, stores, server } = ctx;
  if (!await stores.history.redact(where.copies, m.msgid)) {
    // still stored: saying it is gone would be a lie to everyone told
    const why = "The message could not be deleted now; try again later";
    return fail(ctx, "TEMPORARILY_UNAVAILABLE", target, m.msgid, why);
  }
  const now = Date.now();
  const toSelf = "user" in where.to && where.to.user === user;
  // the names as the network spells them: the channel's, the recipient's nick
  const shown = where.channel?.name ??
    ("user" in where.to && !toSelf ? where.to.user.nick : target);
  const params = reason ? [shown, m.msgid, reason] : [shown, m.msgid];
  const base = { from: user as User, session: ctx.session, to: where.to, history: [] };
  hub.relay({
    ...base,
    out: new Outgoing(msg("REDACT", params, user.source), {
      time: now,
      tags: { msgid: nextMsgid(now) },
      account: user.account,
    }),
    cap: REDACTION_CAP,
    echo: !toSelf,
  });
  // the recipient sees the notice addressed to it (to oneself: one's own nick)
  const noticeTarget = toSelf ? user.nick : shown;
  hub.relay({
    ...base,
    out: new Outgoing(
      msg("NOTICE", [noticeTarget, fallbackText(user.nick, m, now, reason)], server.name),
      {
        time: now,
        tags: { msgid: nextMsgid(now) },
      },
    ),
    withoutCap: REDACTION_CAP,
    echo: !toSelf,
  });
}

/**
 * A FAIL quoting the client's target and msgid, each cut to ECHOED characters: two parameters of
 * up to 500 bytes would not fit one 512-byte line otherwise.
 */
function fail(ctx: Context, code: string, target: string, ...rest: string[]): void {
  ctx.fail("REDACT", code, target.slice(0, ECHOED), ...rest);
}

/** Characters of the client's target and msgid a FAIL quotes, at most. */
const ECHOED = 100;

async function redact(ctx: Context, params: string[]): Promise<void> {
  const [target = "", fullMsgid = "", reason] = params;
  const msgid = fullMsgid.slice(0, ECHOED); // no msgid of ours is that long
  const where = resolve(ctx, target);
  if (where === "invalid") {
    fail(ctx, "INVALID_TARGET", target, "You cannot delete messages there");
    return;
  }
  const m = where === "none"
    ? undefined
    : await ctx.stores.history.find(where.conversation, fullMsgid);
  if (where === "none" || m === undefined) {
    fail(ctx, "UNKNOWN_MSGID", target, msgid, "This message does not exist or is too old");
    return;
  }
  const windowMs = ctx.server.history.redactWindowMs;
  const verdict = redactVerdict(
    m,
    {
      account: ctx.user.account,
      source: ctx.user.source,
      channelOp: where.channel?.isOp(ctx.user) ?? false,
    },
    Date.now(),
    windowMs,
  );
  if (verdict === "forbidden") {
    fail(ctx, "REDACT_FORBIDDEN", target, msgid, "You are not authorised to delete this message");
    return;
  }
  if (verdict === "expired") {
    const window = String(Math.floor(windowMs / 1000));
    fail(
      ctx,
      "REDACT_WINDOW_EXPIRED",
      target,
      msgid,
      window,
      "You can no longer delete this message",
    );
    return;
  }
  await carryOut(ctx, target, where, m, reason);
}

/** REDACT. */
export const redactCommands: Record<string, CommandSpec> = {
  REDACT: { minParams: 2, handler: (ctx, params) => redact(ctx, params) },
};
