/**
 * ChanServ: registered channels keep their topic, modes, bans and founder across restarts —
 * `/msg ChanServ REGISTER|DROP|INFO|HELP #channel`.
 *
 * @module
 */

import type { Context } from "../context.ts";
import { serviceLine } from "../login.ts";

const HELP = [
  "ChanServ keeps a channel's topic, modes, bans and exceptions across restarts. Commands:",
  "  REGISTER <#channel>  register a channel you are op in (log in first)",
  "  DROP <#channel>      drop a channel you founded",
  "  INFO <#channel>      show a channel's registration",
];

/** Runs one ChanServ command line. */
export function chanserv(ctx: Context, line: string): void {
  const { user, server, hub, stores } = ctx;
  const say = (text: string) => ctx.answer(serviceLine(user, server, "ChanServ", text));
  const [verb = "", name = ""] = line.trim().split(/\s+/);
  const channel = name ? hub.findChannel(name) : undefined;
  switch (verb.toUpperCase()) {
    case "REGISTER":
      // an account dropped elsewhere a moment ago is no account to register to
      if (user.account === undefined || !stores.accounts.find(user.account)) {
        return say("Log in first (/msg NickServ HELP).");
      }
      if (!channel || !channel.has(user)) return say(`You are not on ${name || "that channel"}.`);
      if (!channel.isOp(user)) return say(`You must be an op of ${channel.name}.`);
      if (channel.founder !== undefined) return say(`${channel.name} is already registered.`);
      hub.setFounder(channel, user.account);
      return say(`${channel.name} is registered to ${user.account}.`);
    case "DROP":
      if (!channel || channel.founder === undefined) return say(`${name} is not registered.`);
      if (!channel.isFounder(user) && !user.isOper) return say("Only the founder can drop it.");
      hub.setFounder(channel, undefined);
      return say(`${channel.name} is no longer registered.`);
    case "INFO": {
      const saved = stores.channels.load(name);
      if (!saved) return say(`${name} is not registered.`);
      return say(
        `${saved.name}: founder ${saved.founder}, registered ${
          new Date(saved.created).toUTCString()
        }`,
      );
    }
    case "HELP":
    case "":
      for (const l of HELP) say(l);
      return;
    default:
      return say(`Unknown command ${verb}. /msg ChanServ HELP`);
  }
}
