/**
 * Checks several channel commands share, each answering the client with the right numeric when
 * it fails.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { Context } from "../context.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";

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

/** True for whoever may change the channel: its ops, and server operators overriding. */
export function isModerator(user: User, channel: Channel): boolean {
  return channel.isOp(user) || user.isOper;
}

/** True when the user may change the channel (`isModerator`); otherwise answers 482. */
export function mayModerate(ctx: Context, channel: Channel): boolean {
  if (isModerator(ctx.user, channel)) return true;
  ctx.reply(N.ERR_CHANOPRIVSNEEDED, channel.name, "You're not channel operator");
  return false;
}
