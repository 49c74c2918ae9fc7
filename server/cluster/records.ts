/**
 * A user and a channel as the cluster publishes them (`UserRecord`, `WireSettings`), and
 * back: what a node writes to Redis about its own users and channels, and what it sets on the
 * users of other nodes from their records.
 *
 * @module
 */

import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { StoredMessage } from "../store/history.ts";
import { metadataMap, settingsOf } from "../network/settings.ts";
import { type AppliedMode, settingsToWire, type UserRecord, type WireSettings } from "./events.ts";

/** A user's record as its node publishes it. */
export function recordOf(user: User, uid: string, node: string, serverName: string): UserRecord {
  return {
    id: uid,
    node,
    nick: user.nick,
    folded: user.folded,
    username: user.username,
    hostname: user.hostname,
    realname: user.realname,
    modes: user.modes,
    away: user.away,
    account: user.account,
    signon: user.signon,
    secure: user.secure,
    server: serverName,
    r: user.registered,
    ao: user.alwaysOn ? "1" : undefined,
    md: user.metadata && Object.fromEntries(user.metadata),
  };
}

/** A channel's settings as published (ensuring a channel again after Redis lost it). */
export function wireSettingsOf(channel: Channel): WireSettings {
  return settingsToWire(settingsOf(channel));
}

/** Sets a user's fields from its record (remote users). */
export function fillUser(user: User, rec: UserRecord): void {
  user.setNick(rec.nick);
  user.username = rec.username;
  user.hostname = rec.hostname;
  user.realname = rec.realname;
  user.setModes(rec.modes);
  user.away = rec.away;
  user.account = rec.account;
  user.alwaysOn = rec.ao === "1";
  if (rec.off) user.lastSeen = Number(rec.off); // a remote user with no session, since then
  user.metadata = rec.md && metadataMap(rec.md);
  for (const session of user.sessions) session.secure = rec.secure;
}

/** Each list mode and the settings field holding it. */
const LIST_FIELDS = [["b", "bans"], ["e", "banExceptions"], ["I", "inviteExceptions"]] as const;

/** The flag, key, limit and list (+b +e +I) changes that turn settings `a` into `b`. */
export function settingsModeChanges(a: WireSettings, b: WireSettings): AppliedMode[] {
  const changes: AppliedMode[] = [];
  for (const m of a.modes) if (!b.modes.includes(m)) changes.push({ a: false, m });
  for (const m of b.modes) if (!a.modes.includes(m)) changes.push({ a: true, m });
  if (a.key !== b.key) {
    changes.push(
      b.key === undefined ? { a: false, m: "k", p: "*" } : { a: true, m: "k", p: b.key },
    );
  }
  if (a.limit !== b.limit) {
    changes.push(
      b.limit === undefined ? { a: false, m: "l" } : { a: true, m: "l", p: String(b.limit) },
    );
  }
  for (const [m, field] of LIST_FIELDS) {
    const before = new Set(a[field].map((x) => x.mask));
    const after = new Set(b[field].map((x) => x.mask));
    for (const mask of before) if (!after.has(mask)) changes.push({ a: false, m, p: mask });
    for (const mask of after) if (!before.has(mask)) changes.push({ a: true, m, p: mask });
  }
  return changes;
}

/**
 * A history stream entry's fields (`[name, value, name, value, …]` as Redis returns them) as the
 * message they store; a field missing from a damaged entry reads as empty.
 */
export function storedMessageOf(fields: readonly string[]): StoredMessage {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) f.set(fields[i]!, fields[i + 1]!);
  const m: StoredMessage = {
    msgid: f.get("msgid") ?? "",
    time: Number(f.get("time") ?? 0),
    target: f.get("target") ?? "",
    source: f.get("source") ?? "",
    command: (f.get("command") ?? "PRIVMSG") as StoredMessage["command"],
    text: f.get("text") ?? "",
  };
  const account = f.get("account");
  if (account) m.account = account;
  const tags = f.get("tags");
  if (tags) m.tags = JSON.parse(tags);
  return m;
}

/** True for a user record as Redis keeps it (JSON) of a registered always-on user. */
export function isAlwaysOnRecord(raw: string | null | undefined): boolean {
  if (!raw) return false;
  try {
    const u = JSON.parse(raw) as UserRecord;
    return u.ao === "1" && u.r === true;
  } catch {
    return false;
  }
}
