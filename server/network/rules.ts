/**
 * The channel rules a JOIN decides: who becomes op, and what a channel starts as. The
 * single-process hub decides with these; a cluster decides in Redis (the `join` script in
 * cluster/scripts.ts), which takes a new channel's settings from here and mirrors `joinStatus`,
 * because only Redis sees every node's members at once.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { type Channel, OP } from "../state/channel.ts";
import type { RegisteredChannel } from "../store/accounts.ts";
import { newChannelHistoryKey } from "../store/conversations.ts";
import type { ChannelSettings } from "./events.ts";
import { channelOf } from "./network.ts";

/**
 * A joiner's status bits: the first member of an unregistered channel is op; in a registered
 * channel only the founder (logged in to the founding account, folded) is.
 */
export function joinStatus(
  members: number,
  founder: string | undefined,
  account: string | undefined,
): number {
  if (founder === undefined) return members === 0 ? OP : 0;
  return account === founder ? OP : 0;
}

/**
 * What a channel a JOIN creates starts as: `+nt`, its history filed under a key of its own life
 * unless it is one of the permanent channels.
 */
export function newChannelSettings(
  name: string,
  folded: string,
  permanent: boolean,
  now: number,
): ChannelSettings {
  const historyKey = newChannelHistoryKey(folded, permanent, now);
  return {
    name,
    created: now,
    modes: "nt",
    bans: [],
    banExceptions: [],
    inviteExceptions: [],
    invited: [],
    historyKey,
  };
}

/** A registered channel nobody is in, as it was saved (MODE, TOPIC and ChanServ read it). */
export function channelFromRegistration(saved: RegisteredChannel): Channel {
  return channelOf(settingsFromRegistration(saved, foldCase(saved.name)));
}

/** A registered channel brought back by a JOIN, as it was saved. */
export function settingsFromRegistration(
  saved: RegisteredChannel,
  folded: string,
): ChannelSettings {
  const { historyKey, ...rest } = saved;
  return { ...rest, invited: [], historyKey: historyKey ?? folded };
}
