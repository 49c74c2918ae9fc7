/**
 * A draft/metadata-2 change as the network applies it: the target's value changes on this
 * process's copy, and the sessions here that subscribed to the key and can see the target hear
 * of it (a user's: those sharing a channel with it, and its own other sessions; a channel's:
 * its members). One place for both the single process and every cluster node.
 *
 * @module
 */

import { hears, metadataLine, withEntry } from "../metadata.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { NetworkEvent } from "./events.ts";

/** What applying a change needs of the network (network.ts). */
export interface MetadataNetwork {
  channel(folded: string): Channel | undefined;
  /** A channel's members in this process. */
  membersHere(folded: string): { keys(): Iterable<User> } | undefined;
  isHere(user: User): boolean;
}

/** The metadata event. */
export type MetadataEvent = Extract<NetworkEvent, { type: "metadata" }>;

/** Applies one change and tells the subscribers here. */
export function applyMetadata(net: MetadataNetwork, e: MetadataEvent): void {
  let name: string, audience: Iterable<User>;
  if (e.user) {
    const user = e.user;
    user.metadata = withEntry(user.metadata, e.key, e.value);
    name = user.nick;
    audience = neighboursHere(net, user);
  } else {
    const channel = e.channel === undefined ? undefined : net.channel(e.channel);
    if (!channel) return;
    channel.metadata = withEntry(channel.metadata, e.key, e.value);
    name = channel.name;
    audience = net.membersHere(channel.folded)?.keys() ?? [];
  }
  let out: Outgoing | undefined;
  for (const user of audience) {
    if (user === e.setter) continue;
    for (const session of user.sessions) {
      if (!hears(session, e.key)) continue;
      out ??= metadataLine(name, e.key, e.value, e.by, e.time);
      user.deliverTo(session, out);
    }
  }
}

/**
 * A user with metadata joined a channel: its members here hear the keys they subscribed to, as
 * the joiner hears theirs in the batch after its JOIN (commands/metadata.ts `syncOnJoin`).
 */
export function joinerMetadata(audience: { keys(): Iterable<User> }, user: User, time: number) {
  for (const member of audience.keys()) {
    if (member === user) continue;
    for (const session of member.sessions) {
      for (const [key, value] of user.metadata ?? []) {
        if (hears(session, key)) {
          member.deliverTo(session, metadataLine(user.nick, key, value, user.source, time));
        }
      }
    }
  }
}

/** Each user here sharing a channel with `user`, once, and `user` itself when here. */
function neighboursHere(net: MetadataNetwork, user: User): Set<User> {
  const seen = new Set<User>();
  for (const channel of user.channels.values()) {
    for (const member of net.membersHere(channel.folded)?.keys() ?? []) seen.add(member);
  }
  if (net.isHere(user)) seen.add(user);
  return seen;
}
