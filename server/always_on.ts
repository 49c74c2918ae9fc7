/**
 * Always-on accounts: the rules of a user that stays on the network with no connection. Which
 * accounts are always-on, what a user looks like while it has no session (away "Disconnected"),
 * what is saved to bring it back after a restart, and when it ends.
 *
 * Pure: the hubs apply these (local_hub.ts, cluster/cluster_hub.ts), the store keeps the records
 * (store/always_on.ts).
 *
 * @module
 */

import type { AlwaysOnConfig } from "./config.ts";
import { settingsOf } from "./network/settings.ts";
import { User } from "./state/user.ts";
import type { AlwaysOnRecord } from "./store/always_on.ts";

/** The away message of an always-on user with no session. */
export const OFFLINE_AWAY = "Disconnected";

/** Whether an account is always-on: its own choice, else the server's policy (`off` wins). */
export function isAlwaysOn(config: AlwaysOnConfig, choice: boolean | undefined): boolean {
  if (config.policy === "off") return false;
  return choice ?? config.policy === "default-on";
}

/**
 * The away change a presence change makes, if any: a user whose last session ended is marked
 * away (unless it already was, by its own choice); one a session attached to is back, if the
 * away was ours and that session is a person's (not one that said `AWAY *`, presence.ts). Sets
 * the user's `lastSeen` and `awayOffline`.
 */
export function awayOnPresence(
  user: User,
  present: boolean,
  now: number,
): { message: string | undefined } | undefined {
  if (!present) {
    user.lastSeen = now;
    if (user.away !== undefined) return undefined;
    user.awayOffline = true;
    return { message: OFFLINE_AWAY };
  }
  user.lastSeen = undefined;
  if (!user.awayOffline || !user.sessions.some((s) => !s.absent)) return undefined;
  user.awayOffline = false;
  return { message: undefined };
}

/** What brings `user` back after a restart. */
export function recordOf(user: User, now: number): AlwaysOnRecord {
  return {
    account: user.account!,
    nick: user.nick,
    username: user.username,
    hostname: user.hostname,
    realname: user.realname,
    modes: user.modes,
    away: user.awayOffline ? undefined : user.away,
    // saved while a session is attached: a restart ends that session now
    lastSeen: user.lastSeen ?? now,
    channels: [...user.channels.values()].map((channel) => ({
      status: channel.members.get(user) ?? 0,
      settings: settingsOf(channel),
    })),
  };
}

/** A user as its record saved it, with no session (away, unless it had chosen an away of its own). */
export function restoredUser(record: AlwaysOnRecord, id: number): User {
  const user = new User(id, record.hostname, undefined, record.lastSeen);
  user.setNick(record.nick);
  user.username = record.username;
  user.realname = record.realname;
  user.setModes(record.modes);
  user.account = record.account;
  user.alwaysOn = true;
  user.registered = true;
  user.lastSeen = record.lastSeen;
  user.away = record.away ?? OFFLINE_AWAY;
  user.awayOffline = record.away === undefined;
  return user;
}

/** The always-on users among `users` with no session, unseen past `expireMs`: they end. */
export function expiredUsers(users: Iterable<User>, now: number, expireMs: number): User[] {
  return [...users].filter((user) =>
    user.alwaysOn && user.sessions.length === 0 && expired(user.lastSeen, now, expireMs)
  );
}

/** True when a record's user has gone unseen past the expiry (`expireMs` 0: never). */
export function expired(lastSeen: number | undefined, now: number, expireMs: number): boolean {
  return expireMs > 0 && lastSeen !== undefined && now - lastSeen > expireMs;
}
