/**
 * What travels between cluster nodes through Redis: state events (published by the Lua scripts
 * on `chat:events`, each with a global sequence number) and messages (published on a channel's
 * or a node's pub/sub channel). Pure types and their JSON codec; `replica.ts` applies them.
 *
 * @module
 */

import type { Tags } from "../../protocol/message.ts";
import type { ChannelSettings } from "../network/events.ts";
import type { Topic } from "../state/channel.ts";
import type { TextLine } from "../state/multiline_batch.ts";
import type { MovedSession } from "../moved_session.ts";
import type { ModeChange } from "../channel_modes.ts";
import { foldCase } from "../../protocol/casemap.ts";
import { errorMessage } from "../../util/error_message.ts";

/** A user as every node knows it (the owner node is the only writer). */
export interface UserRecord {
  /** Cluster-wide id: `<node>/<local id>`. */
  id: string;
  node: string;
  nick: string;
  /** `foldCase(nick)`, the key of the nick claim. */
  folded: string;
  username: string;
  hostname: string;
  realname: string;
  /** User modes, e.g. "iw". */
  modes: string;
  away?: string;
  account?: string;
  signon: number;
  secure: boolean;
  /** The name of the node's server (WHOIS). */
  server: string;
  /** Registration completed (false: only the nick is claimed). */
  r: boolean;
  /**
   * "1" for an always-on user: when its node is lost, the node that finds out adopts it instead
   * of quitting it (and a node leaving leaves it for the next one to adopt).
   */
  ao?: string;
  /** For an always-on user with no session: when its last one ended (ms, as a string). */
  off?: string;
  /** Its draft/metadata-2 keys (written by the `meta` script only). */
  md?: Record<string, string>;
}

/**
 * A channel's settings as Redis stores and publishes them: network/events.ts `ChannelSettings`,
 * with the history key as `hk` (the channel's folded name if absent).
 */
export type WireSettings = Omit<ChannelSettings, "historyKey" | "metadata"> & {
  hk?: string;
  /** Its draft/metadata-2 keys (written by the `meta` script only). */
  md?: Record<string, string>;
};

/** One applied mode change; `u` names the member of `o`/`v`, whose nick is `p`. */
export interface AppliedMode {
  a: boolean;
  m: string;
  p?: string;
  u?: string;
}

/**
 * A MODE's changes as Redis applies them: `o`/`v` name their member by id (`member` finds it;
 * a change for nobody is left out).
 */
export function appliedModes(
  changes: readonly ModeChange[],
  member: (nick: string) => { nick: string; uid: string } | undefined,
): AppliedMode[] {
  const list: AppliedMode[] = [];
  for (const c of changes) {
    if (c.mode === "o" || c.mode === "v") {
      const found = c.param === undefined ? undefined : member(c.param);
      if (found) list.push({ a: c.adding, m: c.mode, p: found.nick, u: found.uid });
    } else if (c.param === undefined) list.push({ a: c.adding, m: c.mode });
    else list.push({ a: c.adding, m: c.mode, p: c.param });
  }
  return list;
}

/** Fields every event has: its sequence number and the node that caused it. */
interface Base {
  /** Global order (INCR); 0 for events made up locally during resynchronization. */
  s: number;
  /** Origin node id. */
  n: string;
}

/** A state change, in the order Redis made it. */
export type ClusterEvent =
  | Base & { t: "intro"; u: UserRecord }
  | Base & { t: "nick"; u: string; nick: string; tm: number }
  | Base & { t: "quit"; u: string; r: string }
  /** `us` quit; `ad` (always-on users) now belong to node `by`, or wait for an adopter. */
  | Base & { t: "lost"; node: string; us: string[]; r: string; ad: string[]; by?: string }
  | Base & { t: "ao"; u: string; v?: string }
  /** `v`: when the user's last session ended ("" once one is attached again). */
  | Base & { t: "off"; u: string; v?: string }
  /** An always-on user with no session moved to node `by`, where a connection of its account is. */
  | Base & { t: "adopt"; u: string; by: string }
  | Base & { t: "away"; u: string; v?: string }
  | Base & { t: "setname"; u: string; v: string }
  | Base & { t: "account"; u: string; v?: string }
  | Base & { t: "umode"; u: string; v: string }
  | Base & { t: "join"; u: string; c: string; st: number; ch: WireSettings; tm: number }
  | Base & { t: "part"; u: string; c: string; r?: string; tm: number }
  | Base & { t: "kick"; by: string; u: string; c: string; r: string; tm: number }
  | Base & { t: "topic"; c: string; topic?: Topic; by: string; tm: number }
  | Base & { t: "mode"; c: string; by: string; tm: number; ch: AppliedMode[] }
  | Base & {
    t: "invite";
    c: string;
    by: string;
    byu: string;
    u: string;
    tm: number;
    /** An op's invite: the target may join past +i +l +b. */
    ad?: boolean;
  }
  | Base & { t: "founder"; c: string; f?: string }
  /** Channel `c` is called `name` (folded: `to`) from now on; `r` is "" without a reason. */
  | Base & { t: "rename"; c: string; to: string; name: string; by: string; r: string; tm: number }
  | Base & { t: "wallops"; by: string; text: string }
  /** draft/metadata-2: key `k` of user `u` or channel `c` set to `v` (removed without), by `su`. */
  | Base & {
    t: "meta";
    u?: string;
    c?: string;
    k: string;
    v?: string;
    by: string;
    su: string;
    tm: number;
  }
  | Base & { t: "acct"; name: string; created: number }
  | Base & {
    t: "acctdrop";
    name: string;
    /** Folded names of the channels the account founded, no longer registered. */
    cs: string[];
  };

/** The kinds of user attribute events (the owner applies them before publishing). */
export const USER_ATTRIBUTE_EVENTS: ReadonlySet<string> = new Set([
  "away",
  "setname",
  "account",
  "umode",
]);

/** A PRIVMSG/NOTICE/TAGMSG (or a line for one user) as published, structurally. */
export interface WireMessage {
  t: "msg";
  /** msgid; receivers drop a msgid they already delivered (retries after an outage). */
  id: string;
  cmd: string;
  p: string[];
  src: string;
  tm?: number;
  tg?: Tags;
  a?: string;
  /** Sender's user id ("" for server lines). */
  u: string;
  /** Only recipients with this capability. */
  cap?: string;
  /** Only recipients without this capability. */
  ncap?: string;
  /** Only channel members with one of these status bits. */
  st?: number;
  /** Recipient user id, for a node inbox. */
  to?: string;
  /**
   * A multiline message's lines (draft/multiline), `p` then holding only the target: all of
   * them in one payload, so every node delivers and echoes the message whole.
   */
  ml?: TextLine[];
}

/** Asks the node owning `to` to disconnect that user (KILL, GHOST on another node). */
export interface KillRequest {
  t: "kill";
  to: string;
  r: string;
}

/**
 * The traffic of a connection that moved to its user's node (moved_session.ts), on the inbox of
 * the node it is for; `s` names the pipe (`<socket's node>/<n>`). To the user's node: `sopen`
 * (from node `n`, with the session's state), each client line (`sin`), a line over the limit
 * (`slong`), the socket closed (`send`). Back: lines for the client (`sout`), the session ended
 * (`sfin`, with its last line).
 */
export type PipeDelivery =
  | { t: "sopen"; s: string; n: string; st: MovedSession }
  | { t: "sin"; s: string; l: string }
  | { t: "slong"; s: string }
  | { t: "send"; s: string; r: string }
  | { t: "sout"; s: string; b: string }
  | { t: "sfin"; s: string; b?: string; r: string };

const PIPE_KINDS: ReadonlySet<string> = new Set(["sopen", "sin", "slong", "send", "sout", "sfin"]);

/** Whether a delivery belongs to a moved connection's pipe. */
export function isPipeDelivery(d: Delivery): d is PipeDelivery {
  return PIPE_KINDS.has(d.t);
}

/** Anything arriving on a channel or inbox subscription. */
export type Delivery = WireMessage | KillRequest | PipeDelivery;

/** Why a payload could not be decoded. */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
}

/** Lua's cjson writes empty arrays as `{}`: an array, whatever came. */
export function asArray<T>(value: unknown): T[] {
  return Array.isArray(value) ? value as T[] : [];
}

/** JSON `null` (cjson.null) and absent are the same here. */
function opt<T>(value: T | null | undefined): T | undefined {
  return value === null ? undefined : value;
}

function normalizeSettings(ch: WireSettings): WireSettings {
  return {
    name: ch.name,
    created: ch.created,
    topic: opt(ch.topic),
    modes: ch.modes ?? "",
    key: opt(ch.key),
    limit: opt(ch.limit),
    bans: asArray(ch.bans),
    banExceptions: asArray(ch.banExceptions),
    inviteExceptions: asArray(ch.inviteExceptions),
    invited: asArray(ch.invited),
    founder: opt(ch.founder),
    hk: opt(ch.hk),
    md: opt(ch.md),
  };
}

/** Parses an event published on `chat:events`; throws `DecodeError` on garbage. */
export function decodeEvent(text: string): ClusterEvent {
  let e: ClusterEvent;
  try {
    e = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`not JSON: ${errorMessage(err)}`);
  }
  if (typeof e !== "object" || e === null || typeof e.t !== "string" || typeof e.s !== "number") {
    throw new DecodeError(`not an event: ${text.slice(0, 80)}`);
  }
  switch (e.t) {
    case "intro":
      e.u = normalizeUser(e.u);
      break;
    case "join":
      e.ch = normalizeSettings(e.ch);
      break;
    case "lost":
      e.us = asArray(e.us);
      e.ad = asArray(e.ad ?? []);
      e.by = opt(e.by);
      break;
    case "mode":
      e.ch = asArray(e.ch);
      break;
    case "acctdrop":
      e.cs = asArray(e.cs);
      break;
    case "topic":
      e.topic = opt(e.topic);
      break;
    case "away":
    case "account":
    case "ao":
    case "off":
    case "meta":
      e.v = opt(e.v);
      break;
  }
  return e;
}

/** A user record as read from Redis. */
export function normalizeUser(u: UserRecord): UserRecord {
  return {
    ...u,
    away: opt(u.away),
    account: opt(u.account),
    modes: u.modes ?? "",
    ao: u.ao === "1" ? "1" : undefined,
    off: opt(u.off),
  };
}

/** Settings as the network model names them. */
export function settingsFromWire(w: WireSettings): ChannelSettings {
  const { hk, md, ...rest } = w;
  return { ...rest, historyKey: hk ?? foldCase(w.name), ...md && { metadata: md } };
}

/** Settings as Redis stores them. */
export function settingsToWire(s: ChannelSettings): WireSettings {
  const { historyKey, metadata, ...rest } = s;
  return { ...rest, hk: historyKey, ...metadata && { md: metadata } };
}

/** Parses settings as stored in Redis. */
export function decodeSettings(text: string): WireSettings {
  return normalizeSettings(JSON.parse(text));
}

/** Parses a channel or inbox payload; throws `DecodeError` on garbage. */
export function decodeDelivery(text: string): Delivery {
  let d: Delivery;
  try {
    d = JSON.parse(text);
  } catch (err) {
    throw new DecodeError(`not JSON: ${errorMessage(err)}`);
  }
  if (
    typeof d !== "object" || d === null ||
    (d.t !== "msg" && d.t !== "kill" && (!PIPE_KINDS.has(d.t) || typeof d.s !== "string"))
  ) {
    throw new DecodeError(`not a delivery: ${text.slice(0, 80)}`);
  }
  return d;
}
