/**
 * LIST: visible channels with their member counts and topics.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Channel } from "../state/channel.ts";

/** LIST. */
export const listCommands: Record<string, CommandSpec> = {
  LIST: {
    minParams: 0,
    handler(ctx, [names]) {
      const { user, hub } = ctx;
      const channels: Iterable<Channel | undefined> = names
        ? names.split(",").map((n) => hub.findChannel(n))
        : hub.channels();
      ctx.reply(N.RPL_LISTSTART, "Channel", "Users  Name");
      for (const channel of channels) {
        if (!channel || !channel.visibleTo(user)) continue;
        const topic = channel.topic?.text ?? "";
        ctx.reply(N.RPL_LIST, channel.name, String(channel.members.size), topic);
      }
      ctx.reply(N.RPL_LISTEND, "End of /LIST");
    },
  },
};
