/**
 * AWAY: set or clear an away message (305/306); PRIVMSG, WHOIS and WHO show it.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";

/** AWAY. */
export const awayCommands: Record<string, CommandSpec> = {
  AWAY: {
    minParams: 0,
    handler(ctx, [text]) {
      if (!text) {
        ctx.hub.setAway(ctx.user, undefined);
        ctx.reply(N.RPL_UNAWAY, "You are no longer marked as being away");
        return;
      }
      ctx.hub.setAway(ctx.user, text.slice(0, ctx.server.limits.awayLength));
      ctx.reply(N.RPL_NOWAWAY, "You have been marked as being away");
    },
  },
};
