/**
 * LIST: visible channels with their member counts and topics, filtered by names, masks and the
 * ELIST conditions (list_query.ts). The reply goes out as the client reads it (ISUPPORT
 * SAFELIST): a network of thousands of channels never overflows the asker's sendq, and the
 * channels are walked as the reply goes, not copied first.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { listMatches, type ListQuery, namesOnly, parseListQuery } from "../list_query.ts";
import { sendLong } from "../long_reply.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";

function* listReply(
  ctx: Context,
  channels: Iterable<Channel | undefined>,
  query: ListQuery,
): Generator<Outgoing> {
  const { user } = ctx;
  const now = Date.now();
  yield ctx.numeric(N.RPL_LISTSTART, "Channel", "Users  Name");
  for (const channel of channels) {
    if (!channel || !channel.visibleTo(user) || !listMatches(query, channel, now)) continue;
    const topic = channel.topic?.text ?? "";
    yield ctx.numeric(N.RPL_LIST, channel.name, String(channel.members.size), topic);
  }
  yield ctx.numeric(N.RPL_LISTEND, "End of /LIST");
}

/** LIST. */
export const listCommands: Record<string, CommandSpec> = {
  LIST: {
    minParams: 0,
    handler(ctx, params) {
      const { hub } = ctx;
      const query = parseListQuery(params);
      const channels: Iterable<Channel | undefined> = namesOnly(query)
        ? [...new Set(query.names)].map((n) => hub.findChannel(n))
        : hub.channels();
      return sendLong(ctx, listReply(ctx, channels, query));
    },
  },
};
