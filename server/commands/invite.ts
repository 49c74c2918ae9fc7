/**
 * INVITE: lets a user past +i (and +l, +b) of a channel the inviter is on.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { joinedChannel, mayModerate } from "./checks.ts";

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
      hub.invite(user, channel, target);
      ctx.reply(N.RPL_INVITING, target.nick, channel.name);
      if (target.away !== undefined) ctx.reply(N.RPL_AWAY, target.nick, target.away);
    },
  },
};
