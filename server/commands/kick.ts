/**
 * KICK: an op (or server operator) removes members from a channel.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { joinedChannel, mayModerate } from "./checks.ts";

/** KICK. */
export const kickCommands: Record<string, CommandSpec> = {
  KICK: {
    minParams: 2,
    handler(ctx, [name, nicks, reason]) {
      const { user, hub, server } = ctx;
      const channel = user.isOper ? hub.findChannel(name) : joinedChannel(ctx, name);
      if (!channel) {
        if (user.isOper) ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
        return;
      }
      if (!mayModerate(ctx, channel)) return;
      const text = (reason || user.nick).slice(0, server.limits.kickLength);
      for (const nick of nicks.split(",").slice(0, server.limits.maxTargets)) {
        const target = hub.findUser(nick);
        if (!target) ctx.reply(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
        else if (!channel.has(target)) {
          ctx.reply(
            N.ERR_USERNOTINCHANNEL,
            target.nick,
            channel.name,
            "They aren't on that channel",
          );
        } else hub.kick(user, channel, target, text);
      }
    },
  },
};
