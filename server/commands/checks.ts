/**
 * Checks several channel commands share, each answering the client with the right numeric when
 * it fails.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { Context } from "../context.ts";
import type { Channel } from "../state/channel.ts";

/** The channel if it exists and the user is on it; otherwise answers 403 or 442. */
export function joinedChannel(ctx: Context, name: string): Channel | undefined {
  const channel = ctx.hub.findChannel(name);
  if (!channel) {
    ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
    return undefined;
  }
  if (!channel.has(ctx.user)) {
    ctx.reply(N.ERR_NOTONCHANNEL, channel.name, "You're not on that channel");
    return undefined;
  }
  return channel;
}

/**
 * True when the user may change the channel (op, or server operator overriding); otherwise
 * answers 482.
 */
export function mayModerate(ctx: Context, channel: Channel): boolean {
  if (channel.isOp(ctx.user) || ctx.user.isOper) return true;
  ctx.reply(N.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
  return false;
}
