/**
 * RENAME (draft/channel-rename): a channel's ops give it a new name, all else kept (a registered
 * channel's founder only, as the registration moves with it). Refusals are the usual numerics
 * where one fits (403, 442, 482, 461) and `FAIL RENAME` otherwise; the hub decides whether the
 * name is free, network/rename.ts tells the members.
 *
 * @module
 */

import { isChannelName, isValidChannelName } from "../../protocol/names.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import type { Channel } from "../state/channel.ts";
import { joinedChannel, mayModerate } from "./checks.ts";
import { NO_IMPLICIT_NAMES } from "./join.ts";
import { sendNames, sendTopic } from "./names.ts";

/**
 * What a member shown a rename as PART and JOIN gets next, as after a JOIN: the topic and the
 * names (unless it wants none, draft/no-implicit-names). No history: it was there all along.
 */
export function rejoinReplies(ctx: Context, channel: Channel): void | Promise<void> {
  if (channel.topic) sendTopic(ctx, channel);
  if (!ctx.has(NO_IMPLICIT_NAMES)) return sendNames(ctx, channel);
}

/** RENAME. */
export const renameCommands: Record<string, CommandSpec> = {
  RENAME: {
    minParams: 2,
    async handler(ctx, [from, to, reason = ""]) {
      const channel = joinedChannel(ctx, from);
      if (!channel || !mayModerate(ctx, channel)) return;
      const fail = (code: string, text: string) => ctx.fail("RENAME", code, from, to, text);
      if (!isChannelName(to) || !isValidChannelName(to, ctx.server.limits.channelLength)) {
        return fail("CANNOT_RENAME", "That is not a valid channel name");
      }
      if (to === channel.name) return fail("CANNOT_RENAME", "The channel has that name already");
      // a registration is its founder's to move, as it is theirs to drop (ChanServ DROP)
      if (channel.founder !== undefined && !channel.isFounder(ctx.user) && !ctx.user.isOper) {
        return fail("CANNOT_RENAME", "Only its founder can rename a registered channel");
      }
      const text = reason.slice(0, ctx.server.limits.kickLength);
      const outcome = await ctx.hub.rename(ctx.user, channel, to, text);
      if (!outcome.ok) fail(outcome.code, outcome.text);
    },
  },
};
