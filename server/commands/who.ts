/**
 * WHO: members of a channel, or users matching a mask, with away/oper/status flags.
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

function sharesChannel(a: User, b: User): boolean {
  for (const channel of a.channels.values()) if (channel.has(b)) return true;
  return false;
}

function whoLine(ctx: Context, target: User, channel: Channel | undefined): Outgoing {
  let flags = target.away === undefined ? "H" : "G";
  if (target.isOper) flags += "*";
  if (channel) flags += channel.prefix(target, ctx.has("multi-prefix"));
  return ctx.numeric(
    N.RPL_WHOREPLY,
    channel?.name ?? "*",
    target.username,
    target.hostname,
    ctx.server.name,
    target.nick,
    flags,
    `0 ${target.realname}`,
  );
}

/** The 352 lines and the 315, made as they are sent (a big network is walked as it goes). */
function* whoReply(ctx: Context, mask: string, opersOnly: boolean): Generator<Outgoing> {
  const { user, hub } = ctx;
  if (isChannelName(mask)) {
    const channel = hub.findChannel(mask);
    if (channel && channel.visibleTo(user)) {
      const isMember = channel.has(user);
      for (const member of channel.members.keys()) {
        if (!isMember && member.modes.includes("i")) continue;
        if (opersOnly && !member.isOper) continue;
        yield whoLine(ctx, member, channel);
      }
    }
  } else {
    const folded = foldCase(mask === "0" ? "*" : mask);
    for (const other of hub.users()) {
      if (opersOnly && !other.isOper) continue;
      if (other !== user && other.modes.includes("i") && !sharesChannel(user, other)) continue;
      const matches = matchMask(folded, other.folded) ||
        matchMask(folded, foldCase(other.hostname)) ||
        matchMask(folded, foldCase(other.realname));
      if (matches) yield whoLine(ctx, other, undefined);
    }
  }
  yield ctx.numeric(N.RPL_ENDOFWHO, mask, "End of /WHO list");
}

/** WHO: sent in parts as the client reads (long_reply.ts). */
export const whoCommands: Record<string, CommandSpec> = {
  WHO: {
    minParams: 0,
    handler(ctx, [mask = "*", flag]) {
      return sendLong(ctx, whoReply(ctx, mask, flag === "o"));
    },
  },
};
