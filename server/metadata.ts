/**
 * IRCv3 draft/metadata-2, the rules: which keys are valid, which values fit, the limits the
 * capability advertises, and who may read or change a target's metadata. Pure: the command
 * (commands/metadata.ts) asks these, the network (network/metadata.ts) applies the changes.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import { Outgoing } from "./outgoing.ts";
import type { Channel } from "./state/channel.ts";
import type { Session } from "./state/session.ts";
import type { User } from "./state/user.ts";

/** The capability (work-in-progress name, as the spec asks). */
export const METADATA_CAP = "draft/metadata-2";

/**
 * What one connection or target may make the server hold: keys per target, subscriptions per
 * connection, bytes per value (a value with its key and target still fits one 512-byte line).
 */
export const METADATA_LIMITS = {
  maxKeys: 20,
  maxSubs: 20,
  maxValueBytes: 300,
  /** Not a spec token: a longer key is KEY_INVALID, which keeps replies on one line. */
  maxKeyBytes: 64,
} as const;

/** The capability's value in CAP LS 302: the limits, as the spec names them. */
export const METADATA_CAP_VALUE = `max-keys=${METADATA_LIMITS.maxKeys},max-subs=` +
  `${METADATA_LIMITS.maxSubs},max-value-bytes=${METADATA_LIMITS.maxValueBytes}`;

/** Above this many lines, a JOIN answers RPL_METADATASYNCLATER and the client asks with SYNC. */
export const JOIN_SYNC_MAX_LINES = 500;

const KEY = /^[a-z0-9_./-]+$/;

/** A key the spec allows (lower case letters, digits, `_./-`), within `maxKeyBytes`. */
export function isValidKey(key: string): boolean {
  return key.length <= METADATA_LIMITS.maxKeyBytes && KEY.test(key);
}

/**
 * A value the server keeps: within max-value-bytes and free of control characters that could
 * make a client misread it (the line's own CR/LF/NUL never get this far).
 */
export function isValidValue(value: string): boolean {
  if (new TextEncoder().encode(value).length > METADATA_LIMITS.maxValueBytes) return false;
  // deno-lint-ignore no-control-regex
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(value);
}

/** What a METADATA command names: a user (itself for `*`) or a channel. */
export type MetadataTarget = { user: User } | { channel: Channel };

/** The target's current metadata, if any. */
export function metadataOf(target: MetadataTarget): ReadonlyMap<string, string> | undefined {
  return "user" in target ? target.user.metadata : target.channel.metadata;
}

/** The target's name as replies show it. */
export function targetName(target: MetadataTarget): string {
  return "user" in target ? target.user.nick : target.channel.name;
}

/** Users change their own metadata, channel ops their channel's; opers change anyone's. */
export function maySet(by: User, target: MetadataTarget): boolean {
  if (by.isOper) return true;
  return "user" in target ? target.user === by : target.channel.isOp(by);
}

/** Anyone reads a user's metadata; a channel's is for its members (and opers). */
export function mayRead(by: User, target: MetadataTarget): boolean {
  return "user" in target || by.isOper || target.channel.has(by);
}

/**
 * A map with `key` set to `value` (removed when undefined): the same map changed, a new one for
 * the first key, undefined once the last is gone (state stays free for targets without any).
 */
export function withEntry(
  map: Map<string, string> | undefined,
  key: string,
  value: string | undefined,
): Map<string, string> | undefined {
  if (value === undefined) {
    map?.delete(key);
    return map && map.size > 0 ? map : undefined;
  }
  map ??= new Map();
  map.set(key, value);
  return map;
}

/** Whether this connection hears changes to `key`: it negotiated the capability and subscribed. */
export function hears(session: Session, key: string): boolean {
  return session.metadataSubs?.has(key) === true && session.caps.has(METADATA_CAP);
}

/** The METADATA line telling of a value (none: the key was removed). */
export function metadataLine(
  target: string,
  key: string,
  value: string | undefined,
  source: string,
  time?: number,
): Outgoing {
  const params = value === undefined ? [target, key, "*"] : [target, key, "*", value];
  return new Outgoing(msg("METADATA", params, source), { time });
}

/**
 * The METADATA lines a SYNC or JOIN sends `session` of a target: for a channel, its own keys and
 * each member's, only those it subscribed to.
 */
export function syncLines(session: Session, target: MetadataTarget, server: string): Outgoing[] {
  const subs = session.metadataSubs;
  if (!subs || subs.size === 0) return [];
  const lines: Outgoing[] = [];
  const add = (name: string, map: ReadonlyMap<string, string> | undefined) => {
    if (!map) return;
    for (const [key, value] of map) {
      if (subs.has(key)) lines.push(metadataLine(name, key, value, server));
    }
  };
  if ("user" in target) {
    add(target.user.nick, target.user.metadata);
    return lines;
  }
  add(target.channel.name, target.channel.metadata);
  for (const member of target.channel.members.keys()) add(member.nick, member.metadata);
  return lines;
}
