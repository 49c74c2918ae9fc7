/**
 * ISON and USERHOST: quick presence checks clients use for notify lists.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";

/** Nicks given as separate parameters or space-separated in one trailing parameter. */
const nicksOf = (params: string[]) => params.flatMap((p) => p.split(" ")).filter((n) => n !== "");

/** ISON, USERHOST. */
export const userhostCommands: Record<string, CommandSpec> = {
  ISON: {
    minParams: 1,
    handler(ctx, params) {
      const online = nicksOf(params)
        .map((n) => ctx.hub.findUser(n))
        .filter((u) => u?.registered)
        .map((u) => u!.nick);
      ctx.reply(N.RPL_ISON, online.join(" "));
    },
  },
  USERHOST: {
    minParams: 1,
    handler(ctx, params) {
      const replies: string[] = [];
      for (const nick of nicksOf(params).slice(0, 5)) {
        const u = ctx.hub.findUser(nick);
        if (!u?.registered) continue;
        replies.push(
          `${u.nick}${u.isOper ? "*" : ""}=${
            u.away === undefined ? "+" : "-"
          }${u.username}@${u.hostname}`,
        );
      }
      ctx.reply(N.RPL_USERHOST, replies.join(" "));
    },
  },
};
