/**
 * The K-line check of a connection as it registers or logs in (the server checks connected users
 * itself, server.ts): apart from bans.ts, which the server facts hold, so that no import cycle
 * runs through the command context.
 *
 * @module
 */

import { N } from "../protocol/numerics.ts";
import { banSubject, dlineReason, klineReason } from "./bans.ts";
import type { Context } from "./context.ts";

/**
 * A connection a K-line applies to gets 465 and is closed: at its welcome, or when it logs in to
 * an account a `$a:` K-line names (`account`). Its hostname is the client's address, which a
 * WEBIRC gateway may have named after the connection was admitted: a D-line of that address
 * closes it here too.
 */
export function klined(ctx: Context, account = ctx.user.account): boolean {
  const { bans } = ctx.server;
  const dline = bans.dline(ctx.user.hostname);
  if (dline) {
    ctx.disconnect(dlineReason(dline));
    return true;
  }
  const ban = bans.kline({ ...banSubject(ctx.user, ctx.user.hostname), account });
  if (!ban) return false;
  ctx.reply(N.ERR_YOUREBANNEDCREEP, `You are banned from this server: ${ban.reason}`);
  ctx.disconnect(klineReason(ban));
  return true;
}
