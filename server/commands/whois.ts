/**
 * WHOIS and WHOWAS: who a nick is (or was).
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { firstField } from "../../util/text.ts";
import { idleSeconds } from "../who_fields.ts";

function whois(ctx: Context, nick: string): void {
  const { user, hub, server } = ctx;
  const target = hub.findUser(nick);
  if (!target || !target.registered) {
    ctx.reply(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
    ctx.reply(N.RPL_ENDOFWHOIS, nick, "End of /WHOIS list");
    return;
  }
  const multi = ctx.has("multi-prefix");
  ctx.reply(N.RPL_WHOISUSER, target.nick, target.username, target.hostname, "*", target.realname);
  const channels = [...target.channels.values()]
    .filter((c) => c.visibleTo(user))
    .map((c) => c.prefix(target, multi) + c.name);
  if (channels.length > 0) ctx.reply(N.RPL_WHOISCHANNELS, target.nick, channels.join(" "));
  ctx.reply(N.RPL_WHOISSERVER, target.nick, server.name, server.network);
  if (target.isOper) ctx.reply(N.RPL_WHOISOPERATOR, target.nick, "is an IRC operator");
  if (target.isBot) ctx.reply(N.RPL_WHOISBOT, target.nick, `is a bot on ${server.network}`);
  if (target.account !== undefined) {
    ctx.reply(N.RPL_WHOISACCOUNT, target.nick, target.account, "is logged in as");
  }
  if (target.away !== undefined) ctx.reply(N.RPL_AWAY, target.nick, target.away);
  if (target.secure) ctx.reply(N.RPL_WHOISSECURE, target.nick, "is using a secure connection");
  if (target === user || user.isOper) {
    // a certificate fingerprint identifies its holder across networks: only they and opers see it
    const fps = new Set(target.sessions.map((s) => s.certFp).filter((fp) => fp !== undefined));
    for (const fp of fps) {
      ctx.reply(N.RPL_WHOISCERTFP, target.nick, `has client certificate fingerprint ${fp}`);
    }
  }
  const now = Date.now();
  ctx.reply(
    N.RPL_WHOISIDLE,
    target.nick,
    String(idleSeconds(target, now)),
    String(Math.floor(target.signon / 1000)),
    "seconds idle, signon time",
  );
  ctx.reply(N.RPL_ENDOFWHOIS, target.nick, "End of /WHOIS list");
}

/** WHOIS, WHOWAS. */
export const whoisCommands: Record<string, CommandSpec> = {
  WHOIS: {
    minParams: 1,
    handler(ctx, params) {
      // `WHOIS server nick` names the server first; there is only this one.
      const [first, second] = params;
      whois(ctx, firstField(second ?? first, ","));
    },
  },
  WHOWAS: {
    minParams: 1,
    handler(ctx, [nick, count]) {
      if (nick === "") {
        ctx.reply(N.ERR_NONICKNAMEGIVEN, "No nickname given"); // Modern IRC: one reply, no 369
        return;
      }
      const entries = ctx.hub.whowas(nick);
      const max = Number(count) > 0 ? Number(count) : entries.length;
      if (entries.length === 0) ctx.reply(N.ERR_WASNOSUCHNICK, nick, "There was no such nickname");
      for (const e of entries.slice(0, max)) {
        ctx.reply(N.RPL_WHOWASUSER, e.nick, e.username, e.hostname, "*", e.realname);
        ctx.reply(N.RPL_WHOISSERVER, e.nick, ctx.server.name, new Date(e.at).toUTCString());
      }
      ctx.reply(N.RPL_ENDOFWHOWAS, nick, "End of WHOWAS");
    },
  },
};
