/**
 * TOPIC: show or set a channel's topic; +t limits setting it to ops.
 *
 * @module
 */

import { fitMessage } from "../../protocol/line_fit.ts";
import { msg } from "../../protocol/message.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { joinedChannel, mayModerate } from "./checks.ts";
import { sendTopic } from "./names.ts";

/** TOPIC. */
export const topicCommands: Record<string, CommandSpec> = {
  TOPIC: {
    minParams: 1,
    handler(ctx, [name, text]) {
      const { user, hub, server } = ctx;
      if (text === undefined) {
        const channel = hub.findChannel(name);
        if (!channel || !channel.visibleTo(user)) {
          ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
        } else sendTopic(ctx, channel);
        return;
      }
      const channel = joinedChannel(ctx, name);
      if (!channel) return;
      if (channel.modes.has("t") && !mayModerate(ctx, channel)) return;
      // kept as relayed: the TOPIC line's text, shortened to fit 512 bytes like every line
      const line = fitMessage(
        msg("TOPIC", [channel.name, text.slice(0, server.limits.topicLength)], user.source),
      );
      const [, fitted = ""] = line.params; // fitMessage keeps both parameters
      hub.setTopic(user, channel, fitted);
    },
  },
};
