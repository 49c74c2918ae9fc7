/**
 * Questions about the server: MOTD, LUSERS, VERSION, TIME, INFO. The welcome burst reuses the
 * MOTD and LUSERS replies.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { isupportLines } from "../isupport.ts";

/** Sends the MOTD (375/372/376) or 422 when there is none. */
export function sendMotd(ctx: Context): void {
  const motd = ctx.server.motd;
  if (!motd) {
    ctx.reply(N.ERR_NOMOTD, "MOTD File is missing");
    return;
  }
  ctx.reply(N.RPL_MOTDSTART, `- ${ctx.server.name} Message of the day - `);
  for (const line of motd) ctx.reply(N.RPL_MOTD, `- ${line}`);
  ctx.reply(N.RPL_ENDOFMOTD, "End of /MOTD command.");
}

/**
 * Sends the LUSERS counts as the Modern IRC docs give them: 251 and 255 always; 252, 253 and 254
 * only with a positive count; 265 and 266 with their two counts. 251 counts visible users (as
 * Solanum and Ergo) beside the invisible ones; 253 counts this server's connections still
 * registering, and 255/265 this server's users, while 266 counts the whole network's.
 */
export function sendLusers(ctx: Context): void {
  const s = ctx.hub.stats();
  const servers = s.servers ?? 1;
  const visible = s.users - s.invisible;
  ctx.reply(
    N.RPL_LUSERCLIENT,
    `There are ${visible} users and ${s.invisible} invisible on ${servers} servers`,
  );
  if (s.opers > 0) ctx.reply(N.RPL_LUSEROP, String(s.opers), "operator(s) online");
  const unknown = ctx.server.registering.count;
  if (unknown > 0) ctx.reply(N.RPL_LUSERUNKNOWN, String(unknown), "unknown connection(s)");
  if (s.channels > 0) ctx.reply(N.RPL_LUSERCHANNELS, String(s.channels), "channels formed");
  const local = String(s.localUsers ?? s.users), localMax = String(s.maxLocalUsers ?? s.maxUsers);
  ctx.reply(N.RPL_LUSERME, `I have ${local} clients and ${servers - 1} servers`);
  ctx.reply(N.RPL_LOCALUSERS, local, localMax, `Current local users ${local}, max ${localMax}`);
  const users = String(s.users), max = String(s.maxUsers);
  ctx.reply(N.RPL_GLOBALUSERS, users, max, `Current global users ${users}, max ${max}`);
}

/** Sends the ISUPPORT lines (005). */
export function sendIsupport(ctx: Context): void {
  for (const tokens of isupportLines(ctx.server.isupport)) {
    ctx.reply(N.RPL_ISUPPORT, ...tokens, "are supported by this server");
  }
}

/** MOTD, LUSERS, VERSION, TIME, INFO. */
export const serverQueryCommands: Record<string, CommandSpec> = {
  MOTD: { minParams: 0, handler: sendMotd },
  LUSERS: { minParams: 0, handler: sendLusers },
  VERSION: {
    minParams: 0,
    handler(ctx) {
      ctx.reply(N.RPL_VERSION, ctx.server.version, ctx.server.name, "chat IRC server on Deno");
      sendIsupport(ctx);
    },
  },
  TIME: {
    minParams: 0,
    handler(ctx) {
      ctx.reply(N.RPL_TIME, ctx.server.name, new Date().toString());
    },
  },
  INFO: {
    minParams: 0,
    handler(ctx) {
      const lines = [
        `${ctx.server.version}: a multi-user chat server and terminal client in one binary.`,
        `Running on Deno ${Deno.version.deno} (${Deno.build.target}).`,
        `Up since ${ctx.server.created.toUTCString()}.`,
      ];
      for (const line of lines) ctx.reply(N.RPL_INFO, line);
      ctx.reply(N.RPL_ENDOFINFO, "End of /INFO list");
    },
  },
};
