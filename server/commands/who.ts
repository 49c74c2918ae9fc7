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
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";

function sharesChannel(a: User, b: User): boolean {
  for (const channel of a.channels.values()) if (channel.has(b)) return true;
  return false;
}

function whoReply(ctx: Context, target: User, channel: Channel | undefined): void {
  let flags = target.away === undefined ? "H" : "G";
  if (target.isOper) flags += "*";
  if (channel) flags += channel.prefix(target, ctx.user.caps.has("multi-prefix"));
  ctx.reply(
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

/** WHO. */
export const whoCommands: Record<string, CommandSpec> = {
  WHO: {
    minParams: 0,
    handler(ctx, [mask = "*", flag]) {
      const { user, hub } = ctx;
      const opersOnly = flag === "o";
      if (isChannelName(mask)) {
        const channel = hub.findChannel(mask);
        if (channel && channel.visibleTo(user)) {
          const isMember = channel.has(user);
          for (const member of channel.members.keys()) {
            if (!isMember && member.modes.has("i")) continue;
            if (opersOnly && !member.isOper) continue;
            whoReply(ctx, member, channel);
          }
        }
      } else {
        const folded = foldCase(mask === "0" ? "*" : mask);
        for (const other of hub.users()) {
          if (opersOnly && !other.isOper) continue;
          if (other !== user && other.modes.has("i") && !sharesChannel(user, other)) continue;
          const matches = matchMask(folded, other.folded) ||
            matchMask(folded, foldCase(other.hostname)) ||
            matchMask(folded, foldCase(other.realname));
          if (matches) whoReply(ctx, other, undefined);
        }
      }
      ctx.reply(N.RPL_ENDOFWHO, mask, "End of /WHO list");
    },
  },
};
