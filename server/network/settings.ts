/**
 * A channel's settings apart from its members: what a JOIN that creates it carries (in a cluster,
 * to every node), and what registered channels and always-on records keep.
 *
 * @module
 */

import { Channel } from "../state/channel.ts";
import type { ChannelSettings } from "./events.ts";

/** A channel with these settings and no members (a registered channel nobody is in). */
export function channelOf(settings: ChannelSettings): Channel {
  const channel = new Channel(settings.name, settings.created);
  setSettings(channel, settings);
  return channel;
}

/** Sets a channel's settings, replacing what it had (a resynchronization, a rename). */
export function setSettings(channel: Channel, s: ChannelSettings): void {
  channel.topic = s.topic;
  channel.modes.clear();
  for (const m of s.modes) channel.modes.add(m);
  channel.key = s.key;
  channel.limit = s.limit;
  channel.bans.length = 0;
  channel.bans.push(...s.bans);
  channel.banExceptions.length = 0;
  channel.banExceptions.push(...s.banExceptions);
  channel.inviteExceptions.length = 0;
  channel.inviteExceptions.push(...s.inviteExceptions);
  channel.invited.clear();
  for (const i of s.invited) channel.invited.add(i);
  channel.founder = s.founder;
  channel.historyKey = s.historyKey;
  if (s.metadata) channel.metadata = metadataMap(s.metadata);
}

/** Metadata as published (an object) in the form state keeps, none for none. */
export function metadataMap(md: Record<string, string>): Map<string, string> | undefined {
  const map = new Map(Object.entries(md).filter(([, v]) => typeof v === "string"));
  return map.size > 0 ? map : undefined;
}

/** A channel's settings as a JOIN that creates it carries them. */
export function settingsOf(channel: Channel): ChannelSettings {
  return {
    name: channel.name,
    created: channel.created,
    topic: channel.topic,
    modes: [...channel.modes].sort().join(""),
    key: channel.key,
    limit: channel.limit,
    bans: [...channel.bans],
    banExceptions: [...channel.banExceptions],
    inviteExceptions: [...channel.inviteExceptions],
    invited: [...channel.invited],
    founder: channel.founder,
    historyKey: channel.historyKey,
  };
}
