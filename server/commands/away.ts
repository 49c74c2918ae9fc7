/**
 * AWAY: set or clear an away message (305/306); PRIVMSG, WHOIS and WHO show it. With
 * draft/pre-away it may come before registration, and `AWAY *` marks the connection as not a
 * person being there (presence.ts).
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { ABSENT, markAbsentIfNonePresent, PRE_AWAY } from "../presence.ts";

/** AWAY. */
export const awayCommands: Record<string, CommandSpec> = {
  AWAY: {
    minParams: 0,
    beforeRegistration: true,
    handler(ctx, [text]) {
      const { user, session, hub } = ctx;
      const message = text ? text.slice(0, ctx.server.limits.awayLength) : undefined;
      const preAway = ctx.has(PRE_AWAY);
      if (!session.registered) {
        if (!preAway) {
          ctx.reply(N.ERR_NOTREGISTERED, "You have not registered");
          return;
        }
        session.absent = message === ABSENT;
        session.preAway = session.absent ? undefined : message; // set at the welcome
      } else if (preAway && message === ABSENT) {
        session.absent = true;
        markAbsentIfNonePresent(hub, user);
      } else {
        session.absent = false;
        user.awayOffline = false;
        hub.setAway(user, message);
      }
      if (message === undefined) ctx.reply(N.RPL_UNAWAY, "You are no longer marked as being away");
      else ctx.reply(N.RPL_NOWAWAY, "You have been marked as being away");
    },
  },
};
