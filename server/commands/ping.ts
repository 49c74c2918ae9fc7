/**
 * PING and PONG from the client. Any line counts as activity for the ping timeout, so PONG needs
 * no work here.
 *
 * The answer to a client's PING is a durability point: the PONG leaves only once everything the
 * client sent before the PING is stored (the history queue committed; in a cluster, every earlier
 * change answered by Redis). A client that got its PONG may be killed, or the server may be, and
 * nothing it sent before is lost. While the store is unavailable the PONG waits (up to the hold);
 * past it, a NOTICE says that messages are not being stored and then the PONG goes.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { warnNotStored } from "../history_warning.ts";
import { whenReady } from "../store/history.ts";

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
      return whenReady(ctx.stores.durable(), (stored) => {
        if (!stored) warnNotStored(ctx);
        ctx.sendFromServer("PONG", [ctx.server.name, token]);
      });
    },
  },
  PONG: { minParams: 0, beforeRegistration: true, handler() {} },
};
