/**
 * SETNAME (IRCv3 `setname`): change the realname after registration.
 *
 * @module
 */

import type { CommandSpec } from "../command_table.ts";

/** SETNAME. */
export const setnameCommands: Record<string, CommandSpec> = {
  SETNAME: {
    minParams: 1,
    handler(ctx, [realname]) {
      if (realname === "" || realname.length > ctx.server.limits.realnameLength) {
        ctx.sendFromServer("FAIL", ["SETNAME", "INVALID_REALNAME", "Realname is not valid"]);
        return;
      }
      ctx.hub.setRealname(ctx.user, realname);
    },
  },
};
