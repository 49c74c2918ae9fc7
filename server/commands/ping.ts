/**
 * PING and PONG from the client. Any line counts as activity for the ping timeout, so PONG needs
 * no work here.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";

/** PING, PONG. */
export const pingCommands: Record<string, CommandSpec> = {
  PING: {
    minParams: 0,
    beforeRegistration: true,
    handler(ctx, [token]) {
      if (token === undefined || token === "") {
        ctx.reply(N.ERR_NOORIGIN, "No origin specified");
        return;
      }
      ctx.sendFromServer("PONG", [ctx.server.name, token]);
    },
  },
  PONG: { minParams: 0, beforeRegistration: true, handler() {} },
};
