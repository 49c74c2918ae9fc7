/**
 * PART: leave one or more channels with an optional reason.
 *
 * @module
 */

import type { CommandSpec } from "../command_table.ts";
import { joinedChannel } from "./checks.ts";

/** PART. */
export const partCommands: Record<string, CommandSpec> = {
  PART: {
    minParams: 1,
    handler(ctx, [names, reason]) {
      const text = reason?.slice(0, ctx.server.limits.kickLength);
      for (const name of names.split(",")) {
        const channel = joinedChannel(ctx, name);
        if (channel) ctx.hub.part(ctx.user, channel, text);
      }
    },
  },
};
