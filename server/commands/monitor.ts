/**
 * MONITOR (IRCv3 monitor): a session's list of nicks it is told about as they come online and go
 * offline (network/monitors.ts keeps the lists and tells them). `+` and `S` answer with the
 * targets' state now; `-` and `C` answer nothing; `L` lists.
 *
 * @module
 */

import { nickProblem } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { targetLines } from "../network/monitors.ts";

/** The comma-separated targets of `+`/`-`, without empty ones. */
const targetsOf = (param: string | undefined) => (param ?? "").split(",").filter((t) => t !== "");

/** 730 for the online ones of `nicks` (with their source), 731 for the others. */
function sendStatus(ctx: Context, nicks: readonly string[]): void {
  const online: string[] = [], offline: string[] = [];
  for (const nick of nicks) {
    const user = ctx.hub.findUser(nick);
    if (user?.registered) online.push(user.source);
    else offline.push(nick);
  }
  for (const line of targetLines(online)) ctx.reply(N.RPL_MONONLINE, line);
  for (const line of targetLines(offline)) ctx.reply(N.RPL_MONOFFLINE, line);
}

/**
 * `MONITOR + a,b`: adds up to the limit (per session, ISUPPORT `MONITOR`), and tells the state
 * of each; what did not fit is named in 734. Invalid nicks are skipped: nobody can have them.
 */
function add(ctx: Context, targets: string[]): void {
  const { monitors } = ctx.hub;
  const limit = ctx.server.limits.maxMonitor;
  const given: string[] = [];
  for (let i = 0; i < targets.length; i++) {
    const nick = targets[i]!;
    if (nickProblem(nick, ctx.server.limits.nickLength) !== undefined) continue; // not a nick
    if (monitors.size(ctx.session) >= limit && !monitors.has(ctx.session, nick)) {
      const rest = targets.slice(i).join(",");
      sendStatus(ctx, given);
      ctx.reply(N.ERR_MONLISTFULL, String(limit), rest, "Monitor list is full");
      return;
    }
    monitors.add(ctx, nick);
    given.push(nick); // already there too: the client asked for its state
  }
  sendStatus(ctx, given);
}

/** MONITOR. */
export const monitorCommands: Record<string, CommandSpec> = {
  MONITOR: {
    minParams: 1,
    handler(ctx, [modifier, list]) {
      const { monitors } = ctx.hub;
      switch (modifier.toUpperCase()) {
        case "+":
        case "-":
          if (list === undefined) {
            return ctx.reply(N.ERR_NEEDMOREPARAMS, "MONITOR", "Not enough parameters");
          }
          if (modifier === "+") return add(ctx, targetsOf(list));
          for (const nick of targetsOf(list)) monitors.remove(ctx.session, nick);
          return;
        case "C":
          return monitors.forget(ctx.session);
        case "L":
          for (const line of targetLines(monitors.targets(ctx.session))) {
            ctx.reply(N.RPL_MONLIST, line);
          }
          return ctx.reply(N.RPL_ENDOFMONLIST, "End of MONITOR list");
        case "S":
          return sendStatus(ctx, monitors.targets(ctx.session));
        default:
          return ctx.fail("MONITOR", "INVALID_PARAMS", modifier, "Use MONITOR + - C L or S");
      }
    },
  },
};
