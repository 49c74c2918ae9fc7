/**
 * LIST: visible channels with their member counts and topics. The reply goes out as the client
 * reads it (ISUPPORT SAFELIST): a network of thousands of channels never overflows the asker's
 * sendq, and the channels are walked as the reply goes, not copied first.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { sendLong } from "../long_reply.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";

function* listReply(ctx: Context, channels: Iterable<Channel | undefined>): Generator<Outgoing> {
  const { user } = ctx;
  yield ctx.numeric(N.RPL_LISTSTART, "Channel", "Users  Name");
  for (const channel of channels) {
    if (!channel || !channel.visibleTo(user)) continue;
    const topic = channel.topic?.text ?? "";
    yield ctx.numeric(N.RPL_LIST, channel.name, String(channel.members.size), topic);
  }
  yield ctx.numeric(N.RPL_LISTEND, "End of /LIST");
}

/** LIST. */
export const listCommands: Record<string, CommandSpec> = {
  LIST: {
    minParams: 0,
    handler(ctx, [names]) {
      const { hub } = ctx;
      const channels: Iterable<Channel | undefined> = names
        ? names.split(",").map((n) => hub.findChannel(n))
        : hub.channels();
      return sendLong(ctx, listReply(ctx, channels));
    },
  },
};
