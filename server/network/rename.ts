/**
 * RENAME in the network model (draft/channel-rename): the channel keeps everything (members,
 * modes, topic, bans, history) but its name, is filed again under the new one, and the members
 * here are told: those whose connection negotiated the capability see one RENAME line, the others
 * what leaving and joining again looks like (PART, JOIN, then what a JOIN brings: each session's
 * `rejoin`), as the spec's fallback says, unless only the name's case changed.
 *
 * Pure, like network.ts, which calls it from `apply`.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import { flushChannel, joinLines } from "../join_batch.ts";
import { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";

/** The capability of a client that understands RENAME. */
export const CHANNEL_RENAME = "draft/channel-rename";

/** A rename as decided: the channel (folded, its old name), its new name, by whom and why. */
export interface RenameEvent {
  channel: string;
  name: string;
  /** The renamer's source (`nick!user@host`). */
  by: string;
  /** "" when none was given. */
  reason: string;
  time: number;
}

/**
 * Renames the channel in the maps that file it by folded name (`membersHere` in a cluster) and
 * in its members' lists, and tells the members here; returns the channel, or undefined when there
 * is none (or the new name is taken, which the hub's decision rules out).
 */
export function applyRename(
  channels: Map<string, Channel>,
  membersHere: Map<string, Set<User>> | undefined,
  e: RenameEvent,
): Channel | undefined {
  const channel = channels.get(e.channel);
  const to = foldCase(e.name);
  if (!channel || (to !== e.channel && channels.has(to))) return undefined;
  flushChannel(channel); // held JOINs go out under the name they were made with
  const was = channel.name;
  channel.rename(e.name);
  channel.renamedAt = e.time;
  if (to !== e.channel) {
    channels.delete(e.channel);
    channels.set(to, channel);
    const here = membersHere?.get(e.channel);
    if (here) {
      membersHere!.delete(e.channel);
      membersHere!.set(to, here);
    }
    for (const member of channel.members.keys()) {
      member.channels.delete(e.channel);
      member.channels.set(to, channel);
    }
  }
  const audience = membersHere ? membersHere.get(to) : channel.members;
  if (audience) tellMembers(channel, was, audience.keys(), e);
  return channel;
}

/** RENAME to the sessions with the capability; PART, JOIN and their `rejoin` to the others. */
function tellMembers(
  channel: Channel,
  was: string,
  members: Iterable<User>,
  e: RenameEvent,
): void {
  const rename = new Outgoing(msg("RENAME", [was, channel.name, e.reason], e.by), { time: e.time });
  rename.fanOut();
  const caseOnly = foldCase(was) === channel.folded;
  const partParams = e.reason === "" ? [was] : [was, e.reason];
  for (const member of members) {
    member.send(rename, { cap: CHANNEL_RENAME });
    if (caseOnly) continue; // the spec: no fallback for a change of case
    const part = new Outgoing(msg("PART", partParams, member.source), { time: e.time });
    const { plain, extended } = joinLines(channel, member, e.time);
    for (const session of member.sessions) {
      if (session.caps.has(CHANNEL_RENAME)) continue;
      member.sendTo(session, part);
      member.sendTo(session, session.caps.has("extended-join") ? extended : plain);
      session.sink.rejoin?.(channel.name);
    }
  }
}
