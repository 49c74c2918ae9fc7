/**
 * JOIN: comma lists with keys, `JOIN 0`, and the checks a channel's modes impose (+k +i +l +b,
 * and the exceptions +I and +e make to +i and +b).
 *
 * @module
 */

import { isChannelName, isValidChannelName } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import { sendChannelMarker } from "./markread.ts";
import type { Context } from "../context.ts";
import type { Channel } from "../state/channel.ts";
import { replayOnJoin } from "./chathistory.ts";
import { catchesUp, catchUp } from "../catch_up.ts";
import { sendNames, sendTopic } from "./names.ts";
import { syncOnJoin } from "./metadata.ts";

/** The capability of a client that wants no NAMES reply after its JOIN (draft/no-implicit-names). */
export const NO_IMPLICIT_NAMES = "draft/no-implicit-names";

/** The numeric and text refusing a join to an existing channel, if any. */
function refusal(
  ctx: Context,
  channel: Channel,
  key: string | undefined,
): [string, string] | undefined {
  const { user } = ctx;
  if (channel.isFounder(user)) return undefined; // a registered channel's founder always gets in
  const invited = channel.invited.has(user.folded);
  if (channel.key !== undefined && key !== channel.key) {
    return [N.ERR_BADCHANNELKEY, "Cannot join channel (+k)"];
  }
  if (invited) return undefined;
  if (channel.modes.has("i") && !channel.isInviteExempt(user)) {
    return [N.ERR_INVITEONLYCHAN, "Cannot join channel (+i)"];
  }
  if (channel.limit !== undefined && channel.members.size >= channel.limit) {
    return [N.ERR_CHANNELISFULL, "Cannot join channel (+l)"];
  }
  if (channel.isBanned(user)) return [N.ERR_BANNEDFROMCHAN, "Cannot join channel (+b)"];
  return undefined;
}

/** Joins one channel and sends the topic and names; returns false when refused. */
export async function joinChannel(ctx: Context, name: string, key?: string): Promise<boolean> {
  const { user, hub, server } = ctx;
  if (!isChannelName(name)) {
    ctx.reply(N.ERR_NOSUCHCHANNEL, name, "No such channel");
    return false;
  }
  if (!isValidChannelName(name, server.limits.channelLength)) {
    ctx.reply(N.ERR_BADCHANMASK, name, "Bad channel name");
    return false;
  }
  const existing = hub.findChannel(name);
  if (existing?.has(user)) return true;
  if (user.channels.size >= server.limits.maxChannels) {
    ctx.reply(N.ERR_TOOMANYCHANNELS, name, "You have joined too many channels");
    return false;
  }
  const refused = existing && refusal(ctx, existing, key);
  if (refused) {
    ctx.reply(refused[0], existing.name, refused[1]);
    return false;
  }
  const channel = await hub.join(user, name);
  // each of the user's sessions saw the JOIN; each gets the replies, in its own form
  for (const session of user.sessions) {
    await sendJoinReplies(session === ctx.session ? ctx : ctx.forSession(session), channel);
  }
  return true;
}

/**
 * What a session is told after its user's JOIN: the read marker, topic, names (unless it
 * negotiated `draft/no-implicit-names`: it asks with NAMES when it wants them) and recent
 * history. Also what a session attaching to a user learns of each of its channels (attach.ts),
 * with what was said there since `missedSince` when it attached to a user that had no session.
 */
export async function sendJoinReplies(
  ctx: Context,
  channel: Channel,
  missedSince?: number,
): Promise<void> {
  const marking = sendChannelMarker(ctx, channel);
  if (marking) await marking;
  if (channel.topic) sendTopic(ctx, channel);
  if (!ctx.has(NO_IMPLICIT_NAMES)) {
    const naming = sendNames(ctx, channel);
    if (naming) await naming;
  }
  const syncing = syncOnJoin(ctx, channel);
  if (syncing) await syncing;
  if (missedSince !== undefined) {
    if (catchesUp(ctx)) await catchUp(ctx, channel.historyKey, channel.name, missedSince);
    return;
  }
  const replaying = replayOnJoin(ctx, channel);
  if (replaying) await replaying;
}

/** JOIN. */
export const joinCommands: Record<string, CommandSpec> = {
  JOIN: {
    minParams: 1,
    async handler(ctx, [names, keys]) {
      if (names === "0") {
        for (const channel of [...ctx.user.channels.values()]) {
          ctx.hub.part(ctx.user, channel, undefined);
        }
        return;
      }
      const keyList = keys?.split(",") ?? [];
      for (const [i, name] of names.split(",").entries()) {
        if (name !== "") await joinChannel(ctx, name, keyList[i]);
      }
    },
  },
};
