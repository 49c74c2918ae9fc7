/**
 * INVITE: an op's invite lets a user past +i, +l and +b of a channel the inviter is on. Any
 * member may invite to a channel without +i, but a non-op's invite only tells the target: it
 * opens nothing, or a non-op could let in whoever the ops banned or the limit keeps out.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { isModerator, joinedChannel, mayModerate } from "./checks.ts";

/** INVITE. */
export const inviteCommands: Record<string, CommandSpec> = {
  INVITE: {
    minParams: 2,
    handler(ctx, [nick, name]) {
      const { user, hub } = ctx;
      const target = hub.findUser(nick);
      if (!target || !target.registered) {
        ctx.reply(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
        return;
      }
      const channel = joinedChannel(ctx, name);
      if (!channel) return;
      if (channel.modes.has("i") && !mayModerate(ctx, channel)) return;
      if (channel.has(target)) {
        ctx.reply(N.ERR_USERONCHANNEL, target.nick, channel.name, "is already on channel");
        return;
      }
      hub.invite(user, channel, target, isModerator(user, channel));
      ctx.reply(N.RPL_INVITING, target.nick, channel.name);
      if (target.away !== undefined) ctx.reply(N.RPL_AWAY, target.nick, target.away);
    },
  },
};
