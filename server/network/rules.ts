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
import type { RenameOutcome } from "../hub.ts";
import { channelOf } from "./settings.ts";

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

/** How long after a rename a channel may not be renamed again: each rename shown as PART and
 * JOIN sends every member a NAMES reply, which a quick succession would turn into a flood. */
export const RENAME_COOLDOWN_MS = 60_000;

/** A rename refused because the name is someone else's (a live or a registered channel). */
export const NAME_IN_USE: RenameOutcome = {
  ok: false,
  code: "CHANNEL_NAME_IN_USE",
  text: "The channel name is already taken",
};

/**
 * Why `channel` may not be called `to` (folded), if it may not: renamed within the cooldown, or
 * a permanent channel (or one whose history is filed under its plain name) changing more than
 * its name's case, as its history and its place in the configuration go by that name.
 */
export function renameRefusal(
  channel: Channel,
  to: string,
  permanent: ReadonlySet<string>,
  now: number,
): RenameOutcome | undefined {
  if (channel.renamedAt !== undefined && now - channel.renamedAt < RENAME_COOLDOWN_MS) {
    return { ok: false, code: "CANNOT_RENAME", text: "This channel has been renamed recently" };
  }
  if (to === channel.folded) return undefined; // a change of case is always allowed
  if (permanent.has(channel.folded) || permanent.has(to)) {
    return { ok: false, code: "CANNOT_RENAME", text: "Permanent channels keep their names" };
  }
  if (channel.historyKey === channel.folded) {
    const text = "This channel's history is filed under its name, which it keeps";
    return { ok: false, code: "CANNOT_RENAME", text };
  }
  return undefined;
}
