/**
 * WHO: members of a channel, a user by nick, or the users matching a mask, with away/oper/status
 * flags; with `%fields[,token]`, a WHOX reply (354) of the fields asked for (who_fields.ts).
 * Invisible users are listed as RFC 2812 says (visibility.ts).
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { isChannelName, matchMask } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { sendLong } from "../long_reply.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import { listedByMask, listedInChannel } from "../visibility.ts";
import { parseWhoOptions, whoFlags, type WhoOptions, whoxParams } from "../who_fields.ts";

/** One user's line: 352, or 354 for a WHOX query. */
function whoLine(
  ctx: Context,
  options: WhoOptions,
  target: User,
  channel: Channel | undefined,
): Outgoing {
  const multiPrefix = ctx.has("multi-prefix");
  if (options.whox) {
    const now = Date.now();
    const params = whoxParams(target, {
      whox: options.whox,
      channel,
      serverName: ctx.server.name,
      multiPrefix,
      now,
    });
    return ctx.numeric(N.RPL_WHOSPCRPL, ...params);
  }
  return ctx.numeric(
    N.RPL_WHOREPLY,
    channel?.name ?? "*",
    target.username,
    target.hostname,
    ctx.server.name,
    target.nick,
    whoFlags(target, channel, multiPrefix),
    `0 ${target.realname}`,
  );
}

/** The users a WHO lists, with the channel their lines name (made as they are sent). */
function* listed(ctx: Context, mask: string): Generator<[User, Channel | undefined]> {
  const { user, hub } = ctx;
  if (isChannelName(mask)) {
    const channel = hub.findChannel(mask);
    if (!channel || !channel.visibleTo(user)) return;
    for (const member of channel.members.keys()) {
      if (listedInChannel(user, channel, member)) yield [member, channel];
    }
    return;
  }
  // an exact nick names one user, invisible or not (WHOIS shows them anyway)
  const named = /[*?]/.test(mask) ? undefined : hub.findUser(mask);
  if (named?.registered) {
    yield [named, undefined];
    return;
  }
  const folded = foldCase(mask === "0" ? "*" : mask);
  for (const other of hub.users()) {
    if (!listedByMask(user, other)) continue;
    const matches = matchMask(folded, other.folded) ||
      matchMask(folded, foldCase(other.hostname)) ||
      matchMask(folded, foldCase(other.realname));
    if (matches) yield [other, undefined];
  }
}

/**
 * The 352 (or 354) lines and the 315, made as they are sent (a big network is walked as it goes).
 */
function* whoReply(ctx: Context, mask: string, options: WhoOptions): Generator<Outgoing> {
  for (const [target, channel] of listed(ctx, mask)) {
    if (options.opersOnly && !target.isOper) continue;
    yield whoLine(ctx, options, target, channel);
  }
  yield ctx.numeric(N.RPL_ENDOFWHO, mask, "End of /WHO list");
}

/** WHO: sent in parts as the client reads (long_reply.ts). */
export const whoCommands: Record<string, CommandSpec> = {
  WHO: {
    minParams: 0,
    handler(ctx, [mask = "*", options]) {
      return sendLong(ctx, whoReply(ctx, mask, parseWhoOptions(options)));
    },
  },
};
