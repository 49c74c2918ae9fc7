/**
 * QUIT: the client leaves; everyone sharing a channel sees the reason once.
 *
 * @module
 */

import type { CommandSpec } from "../command_table.ts";

/** QUIT. */
export const quitCommands: Record<string, CommandSpec> = {
  QUIT: {
    minParams: 0,
    beforeRegistration: true,
    handler(ctx, [reason]) {
      const limit = ctx.server.limits.kickLength;
      ctx.disconnect(reason ? `Quit: ${reason.slice(0, limit)}` : "Client Quit");
    },
  },
};
