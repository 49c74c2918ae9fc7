/**
 * Server bans, as pure rules: K-lines (a `user@host`, `nick!user@host` or `$a:account` mask) and
 * D-lines (an address or CIDR range), each with a reason and an optional expiry. Parsing what an
 * oper typed, matching a user or an address, and forgetting what expired live here, apart from
 * storage (store/server_bans.ts, cluster/server_bans.ts) and enforcement (bans.ts), so that the
 * rules are tested without sockets or clocks.
 *
 * @module
 */

import { type Cidr, cidrContains, parseCidr, parseIp } from "./cidr.ts";
import { matchMask } from "../protocol/names.ts";

/** K: by user@host or account; D: by address. */
export type BanKind = "K" | "D";

/** One server ban as stored. `mask` is normalized (lower case; a CIDR as parsed). */
export interface ServerBan {
  kind: BanKind;
  mask: string;
  reason: string;
  /** Who set it (the oper's nick). */
  setBy: string;
  /** Epoch ms. */
  setAt: number;
  /** Epoch ms after which it no longer applies; undefined: permanent. */
  expiresAt?: number;
}

/** What a connected or registering user is matched on. */
export interface BanSubject {
  nick: string;
  username: string;
  hostname: string;
  /** The address it connected from, when it differs from the hostname shown. */
  ip?: string;
  account?: string;
}

/** Bans kept at most (each kind): what opers may make every node hold and check. */
export const MAX_BANS = 5000;
/** Longest mask and reason accepted. */
export const MAX_MASK_LENGTH = 200;
export const MAX_REASON_LENGTH = 300;
/** Longest duration: ten years; a longer one is meant as permanent (0). */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
UNITS.w = 7 * UNITS.d!;

/**
 * A duration as KLINE and DLINE take it: minutes (Solanum's unit), or a number with a unit suffix
 * (`30s`, `2h`, `1d`, `1w`). 0 means permanent. Undefined: not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,9})([smhdw]?)$/i.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[(m[2] || "m").toLowerCase()]!;
  return ms > MAX_DURATION_MS ? undefined : ms;
}

/** A K-line mask normalized (`user@host`, `nick!user@host` or `$a:account`), or why not. */
export function parseKlineMask(text: string): string | { error: string } {
  const mask = text.toLowerCase();
  if (mask.length === 0 || mask.length > MAX_MASK_LENGTH || /[\s,]/.test(mask)) {
    return { error: "Invalid K-line mask" };
  }
  if (mask.startsWith("$a:")) {
    return mask.length > 3 ? mask : { error: "Invalid K-line mask: $a:<account mask>" };
  }
  const at = mask.indexOf("@");
  if (at <= 0 || at === mask.length - 1 || mask.indexOf("@", at + 1) !== -1) {
    return { error: "Invalid K-line mask: user@host, nick!user@host or $a:account" };
  }
  return mask;
}

/** A D-line mask normalized (an address or CIDR range), or why not. */
export function parseDlineMask(text: string): string | { error: string } {
  const range = parseCidr(text);
  if (!range || text.length > MAX_MASK_LENGTH) return { error: "Invalid D-line address or CIDR" };
  return text.toLowerCase();
}

/**
 * True for a mask that matches everyone (`*@*`, `*!*@*`, `$a:*`, `0.0.0.0/0`, `::/0`): such a
 * ban needs the oper's `CONFIRM`, so that a slip does not lock out the whole network.
 */
export function matchesEveryone(kind: BanKind, mask: string): boolean {
  if (kind === "D") return parseCidr(mask)?.prefix === 0;
  const body = mask.startsWith("$a:") ? mask.slice(3) : mask;
  return body.split(/[!@]/).every((part) => /^\**$/.test(part));
}

/** True when the K-line `mask` applies to `who`. */
export function klineMatches(mask: string, who: BanSubject): boolean {
  if (mask.startsWith("$a:")) {
    return who.account !== undefined && matchMask(mask.slice(3), who.account.toLowerCase());
  }
  const prefix = mask.includes("!") ? `${who.nick}!`.toLowerCase() : "";
  const user = who.username.toLowerCase();
  const hosts = [who.hostname, who.ip].filter((h): h is string => !!h);
  return hosts.some((host) => matchMask(mask, `${prefix}${user}@${host.toLowerCase()}`));
}

/** True when the D-line `mask` (an address or range) contains the address `ip`. */
export function dlineMatches(mask: string, ip: string): boolean {
  const range = parseCidr(mask);
  const bytes = parseIp(ip);
  return !!range && !!bytes && cidrContains(range, bytes);
}

/** True while `ban` applies. */
export function isActive(ban: ServerBan, now: number): boolean {
  return ban.expiresAt === undefined || ban.expiresAt > now;
}

/** The bans in force, by kind and mask; a pure value the enforcement reads. */
export class BanList {
  readonly #bans = new Map<string, ServerBan>();
  /** Parsed D-line ranges, so that each accept does not parse them again. */
  readonly #ranges = new Map<string, Cidr>();

  /** Replaces every ban (as read from the store); true when something changed. */
  replace(bans: readonly ServerBan[]): boolean {
    const before = this.#fingerprint();
    this.#bans.clear();
    this.#ranges.clear();
    for (const ban of bans) this.add(ban);
    return this.#fingerprint() !== before;
  }

  /** Adds or replaces the ban of the same kind and mask. */
  add(ban: ServerBan): void {
    this.#bans.set(keyOf(ban.kind, ban.mask), ban);
    if (ban.kind === "D") {
      const range = parseCidr(ban.mask);
      if (range) this.#ranges.set(ban.mask, range);
    }
  }

  /** Removes a ban; false when there was none. */
  remove(kind: BanKind, mask: string): boolean {
    this.#ranges.delete(mask);
    return this.#bans.delete(keyOf(kind, mask));
  }

  get(kind: BanKind, mask: string): ServerBan | undefined {
    return this.#bans.get(keyOf(kind, mask));
  }

  /** How many bans of `kind` are kept (expired ones not yet swept included). */
  count(kind: BanKind): number {
    let n = 0;
    for (const ban of this.#bans.values()) if (ban.kind === kind) n++;
    return n;
  }

  /** The bans of `kind` in force at `now`, oldest first (STATS k / STATS d). */
  list(kind: BanKind, now: number): ServerBan[] {
    return [...this.#bans.values()]
      .filter((b) => b.kind === kind && isActive(b, now))
      .sort((a, b) => a.setAt - b.setAt);
  }

  /** Removes the bans that expired by `now` and returns them (the store forgets them too). */
  expire(now: number): ServerBan[] {
    const gone = [...this.#bans.values()].filter((b) => !isActive(b, now));
    for (const ban of gone) this.remove(ban.kind, ban.mask);
    return gone;
  }

  /** The K-line in force that applies to `who`, if any. */
  kline(who: BanSubject, now: number): ServerBan | undefined {
    for (const ban of this.#bans.values()) {
      if (ban.kind === "K" && isActive(ban, now) && klineMatches(ban.mask, who)) return ban;
    }
    return undefined;
  }

  /** The D-line in force that contains `ip`, if any. */
  dline(ip: string, now: number): ServerBan | undefined {
    if (this.#ranges.size === 0) return undefined;
    const bytes = parseIp(ip);
    if (!bytes) return undefined;
    for (const [mask, range] of this.#ranges) {
      const ban = this.#bans.get(keyOf("D", mask));
      if (ban && isActive(ban, now) && cidrContains(range, bytes)) return ban;
    }
    return undefined;
  }

  #fingerprint(): string {
    return [...this.#bans.entries()]
      .map(([key, b]) => `${key}\t${b.expiresAt ?? ""}\t${b.reason}`)
      .sort()
      .join("\n");
  }
}

/** The key a ban is kept under, in memory and in the stores. */
export function keyOf(kind: BanKind, mask: string): string {
  return `${kind} ${mask}`;
}
