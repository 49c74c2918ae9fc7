/**
 * A channel: members with their status, topic, modes, bans and invites.
 *
 * Pure state with the permission questions handlers ask ("may this user speak here?"). Changes
 * that others must see are made through the hub, which also tells the members.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { matchMask } from "../../protocol/names.ts";
import type { Sink } from "./session.ts";

/**
 * A channel member: a user (state/user.ts). Declared empty here and filled in by user.ts, which
 * needs channels as much as channels need users, so that neither module imports the other both
 * ways.
 */
// deno-lint-ignore no-empty-interface
export interface User {}

/** Member status bits. */
export const OP = 1, VOICE = 2;

/** The prefix for status bits: highest only, or all with `multi-prefix` (for NAMES loops). */
export function statusPrefix(status: number, multi: boolean): string {
  if (status === 0) return "";
  if (multi) return (status & OP ? "@" : "") + (status & VOICE ? "+" : "");
  return status & OP ? "@" : status & VOICE ? "+" : "";
}

/** ISUPPORT `PREFIX`: modes and their prefix characters, highest first. */
export const PREFIX = "(ov)@+";

/** ISUPPORT `CHANMODES`: list modes, modes with a parameter always, when set, never. */
export const CHANMODES = "beI,k,l,imnst";

/**
 * List modes: bans, ban exceptions (ISUPPORT `EXCEPTS`), invite exceptions (`INVEX`). One limit
 * holds them together (ISUPPORT `MAXLIST=beI:n`): what one op can make a channel hold is bounded
 * once, whatever list it fills.
 */
export const LIST_MODES = "beI";

/**
 * The mute extban (ISUPPORT `EXTBAN=,m`): `+b m:mask` silences the users it matches, as a ban
 * does, without keeping them out. Such a mask never matches as a plain ban (no nick has a `:`).
 */
export const MUTE_PREFIX = "m:";

/** Flag modes (no parameter) a channel can have. */
export const FLAG_MODES = "imnst";

/** A topic with who set it and when (RPL_TOPICWHOTIME). */
export interface Topic {
  text: string;
  setBy: string;
  setAt: number;
}

/** A list mode's mask (+b, +e, +I) with who set it and when (RPL_BANLIST and its kin). */
export interface Ban {
  mask: string;
  setBy: string;
  setAt: number;
}

/**
 * The NAMES texts of a channel as its members see them by default (highest prefix, nicks only),
 * kept while members only join: a join storm then costs O(1) per join to list, not O(members).
 */
export interface NamesCache {
  /** 353 texts, each at most the line budget the builder chose. */
  lines: string[];
  /** Each text's UTF-8 bytes, once encoded; a slot is emptied when its text grows. */
  bytes: (Uint8Array | undefined)[];
  /** Members who joined (without status) since the texts were last brought up to date. */
  joined: User[];
}

/** Channel members and their status bits; any change but a plain join drops the NAMES cache. */
export class Members extends Map<User, number> {
  names: NamesCache | undefined;
  /** Where a message to every member goes, built by the delivery layer; dropped on any change. */
  fanOut: FanOut | undefined;

  override set(user: User, status: number): this {
    const names = this.names;
    if (names !== undefined) {
      if (status === 0 && !this.has(user)) names.joined.push(user);
      else this.names = undefined;
    }
    if (!this.has(user)) this.fanOut = undefined;
    return super.set(user, status);
  }

  override delete(user: User): boolean {
    this.names = undefined;
    this.fanOut = undefined;
    return super.delete(user);
  }

  override clear(): void {
    this.names = undefined;
    this.fanOut = undefined;
    super.clear();
  }
}

/**
 * Every session of every member, as two arrays side by side (the member, its session's sink): a
 * message to a channel is then one pass over arrays instead of a walk over a map and each
 * member's sessions. Kept while the members and their sessions stay the same.
 */
export interface FanOut {
  users: User[];
  sinks: Sink[];
}

/**
 * JOIN announcements of a big channel, held for a moment by the delivery layer (join_batch.ts):
 * before anything else reaches a member, what it waits for there is written out.
 */
export interface HeldJoins {
  /** Writes out the announcements `user` waits for here, if any. */
  settleFor(user: User): void;
}

/** Channels holding announcements now: a cheap check before every delivery. */
let channelsHolding = 0;

/** True while some channel holds JOIN announcements (see `Channel.heldJoins`). */
export function joinsHeld(): boolean {
  return channelsHolding !== 0;
}

/** One channel's state. */
export class Channel {
  #name: string;
  #folded: string;
  readonly created: number;
  /** When the channel was last renamed (RENAME's cooldown), if it was in this process's life. */
  renamedAt: number | undefined;
  /** Members and their status bits (OP, VOICE). */
  readonly members = new Members();
  topic: Topic | undefined;
  /** Flag modes currently set, from FLAG_MODES. */
  readonly modes = new Set<string>();
  key: string | undefined;
  limit: number | undefined;
  readonly bans: Ban[] = [];
  /** +e masks: a user matching one is not held by a ban. */
  readonly banExceptions: Ban[] = [];
  /** +I masks: a user matching one joins a +i channel without an invite. */
  readonly inviteExceptions: Ban[] = [];
  /** Folded nicks an op invited past +i, +l and +b, cleared when they join. */
  readonly invited = new Set<string>();
  /** Folded account name of the founder when the channel is registered (ChanServ). */
  founder: string | undefined;
  /**
   * The key the channel's messages are filed under (store/conversations.ts): set by the hub
   * when the channel is created, kept by its registration.
   */
  historyKey: string;
  /** Its draft/metadata-2 keys and values, absent until an op sets one (as on users). */
  metadata: Map<string, string> | undefined;
  #heldJoins: HeldJoins | undefined;

  constructor(name: string, now = Date.now()) {
    this.#name = name;
    this.#folded = foldCase(name);
    this.created = now;
    this.historyKey = this.#folded;
  }

  get name(): string {
    return this.#name;
  }

  get folded(): string {
    return this.#folded;
  }

  /**
   * Gives the channel a new name (RENAME), all else kept; whoever files it by name (the network's
   * maps, its members' channel lists) files it again.
   */
  rename(name: string): void {
    this.#name = name;
    this.#folded = foldCase(name);
  }

  /** Announcements held for the members right now (join_batch.ts). */
  get heldJoins(): HeldJoins | undefined {
    return this.#heldJoins;
  }

  set heldJoins(held: HeldJoins | undefined) {
    channelsHolding += (held ? 1 : 0) - (this.#heldJoins ? 1 : 0);
    this.#heldJoins = held;
  }

  has(user: User): boolean {
    return this.members.has(user);
  }

  isOp(user: User): boolean {
    return ((this.members.get(user) ?? 0) & OP) !== 0;
  }

  /** Ops and voiced users may speak in a moderated (+m) channel. */
  canSpeakWhenModerated(user: User): boolean {
    return ((this.members.get(user) ?? 0) & (OP | VOICE)) !== 0;
  }

  /** The prefix shown before a member's nick: highest only, or all with `multi-prefix`. */
  prefix(user: User, multi: boolean): string {
    return statusPrefix(this.members.get(user) ?? 0, multi);
  }

  /** The list a list mode letter (LIST_MODES) names; undefined for any other letter. */
  list(mode: string): Ban[] | undefined {
    return mode === "b"
      ? this.bans
      : mode === "e"
      ? this.banExceptions
      : mode === "I"
      ? this.inviteExceptions
      : undefined;
  }

  /** True when a ban mask matches the user's `nick!user@host` and no ban exception does. */
  isBanned(user: User): boolean {
    if (this.bans.length === 0) return false;
    const source = foldCase(user.source);
    return matchesAny(this.bans, source) && !matchesAny(this.banExceptions, source);
  }

  /** True when an invite exception (+I) lets the user past +i. */
  isInviteExempt(user: User): boolean {
    return this.inviteExceptions.length !== 0 &&
      matchesAny(this.inviteExceptions, foldCase(user.source));
  }

  /**
   * True when a ban or a mute (`m:` mask) silences this member: matched by one, by no ban
   * exception, and neither op nor voiced. Such a member may not speak, nor change nick (which
   * would slip out from under the ban).
   */
  silencedByBan(user: User): boolean {
    if (this.bans.length === 0 || this.canSpeakWhenModerated(user)) return false;
    const source = foldCase(user.source);
    const held = this.bans.some((b) => {
      const mask = foldCase(b.mask);
      return matchMask(
        mask.startsWith(MUTE_PREFIX) ? mask.slice(MUTE_PREFIX.length) : mask,
        source,
      );
    });
    return held && !matchesAny(this.banExceptions, source);
  }

  /** The `+modes params` of RPL_CHANNELMODEIS; the key is shown to members only. */
  modeParams(showKey: boolean): string[] {
    let flags = "+" + [...this.modes].sort().join("");
    const params: string[] = [];
    if (this.key !== undefined) {
      flags += "k";
      params.push(showKey ? this.key : "*");
    }
    if (this.limit !== undefined) {
      flags += "l";
      params.push(String(this.limit));
    }
    return [flags, ...params];
  }

  /** True when `user` is logged in to the founder's account. */
  isFounder(user: User): boolean {
    return this.founder !== undefined && user.account !== undefined &&
      foldCase(user.account) === this.founder;
  }

  /** Secret channels (+s) are hidden from non-members in LIST, NAMES, WHO and WHOIS. */
  visibleTo(user: User): boolean {
    return !this.modes.has("s") || this.members.has(user);
  }
}

/** True when one of the masks matches a folded `nick!user@host`. */
function matchesAny(masks: readonly Ban[], folded: string): boolean {
  return masks.some((b) => matchMask(foldCase(b.mask), folded));
}
