/**
 * What the client knows about the network: its own nick, the server's ISUPPORT settings, the
 * channels it is in with their members and topics, open private conversations, and which
 * conversation is current. Updated only from parsed messages (`apply`) and user choices, with no
 * I/O, so it is unit-testable line by line.
 *
 * @module
 */

import { foldCase, sameName } from "../protocol/casemap.ts";
import type { Message } from "../protocol/message.ts";
import { parseSource } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { ReadState } from "./read_state.ts";

/** Batches open at once that are tracked; servers nest a few at most. */
const MAX_OPEN_BATCHES = 64;

/** One channel member with their status prefixes (`@`, `+`, … highest first). */
export interface Member {
  nick: string;
  prefixes: string;
}

/** A joined channel. */
export interface ChannelInfo {
  name: string;
  topic: string | undefined;
  /** Members by folded nick. */
  members: Map<string, Member>;
}

/** The ISUPPORT values the client uses; defaults apply until 005 says otherwise. */
export interface ServerSupport {
  chanTypes: string;
  /** Prefix modes (`ov`) and their symbols (`@+`), same order, highest first. */
  prefixModes: string;
  prefixSymbols: string;
  /** CHANMODES groups A,B,C,D: which modes take a parameter. */
  chanModes: [string, string, string, string];
  network: string | undefined;
  /** Prefix symbols allowed before a channel in a message target (STATUSMSG). */
  statusMsg: string;
  /** Nicks a MONITOR list may hold (ISUPPORT `MONITOR`; Infinity without a value); undefined: no MONITOR. */
  monitor: number | undefined;
}

/** Defaults per RFC 2812 (what a server without 005 implies). */
export function defaultSupport(): ServerSupport {
  return {
    chanTypes: "#&",
    prefixModes: "ov",
    prefixSymbols: "@+",
    chanModes: ["b", "k", "l", "imnpst"],
    network: undefined,
    statusMsg: "",
    monitor: undefined,
  };
}

/** The client's picture of its connection; one per session, reset on reconnect. */
export class ClientState {
  /** Our nick as the server knows it (updated on 001 and on our own NICK). */
  nick: string;
  registered = false;
  support: ServerSupport = defaultSupport();
  /** Capabilities the server acknowledged. */
  caps: Set<string> = new Set();
  /** Values of the server's capabilities from CAP LS, by name (`draft/multiline` limits). */
  capValues: Map<string, string> = new Map();
  /** Joined channels by folded name, in join order. */
  readonly channels: Map<string, ChannelInfo> = new Map();
  /** Open private conversations (nick as last seen), in opening order. */
  readonly queries: string[] = [];
  /** Where plain typed text goes: a channel or a nick; undefined before any join. */
  current: string | undefined;
  /** Channels the user asked to join with /join: they become current once joined. */
  readonly switchOnJoin: Set<string> = new Set();
  /** NAMES replies being collected, by folded channel, until 366. */
  readonly #names: Map<string, string[]> = new Map();
  /** Channel keys given with JOIN, kept for rejoining after a reconnect. */
  readonly keys: Map<string, string> = new Map();
  /** The account we are logged in to (SASL or later), if any: read markers need one. */
  account: string | undefined;
  /** Lines shown, read markers and unread counts: kept across reconnects. */
  readonly read: ReadState = new ReadState();
  /**
   * Who MONITOR said is online (true) or offline, by folded nick: kept across reconnects, so
   * that only changes are shown.
   */
  readonly presence: Map<string, boolean> = new Map();
  /** Open batches (IRCv3 `batch`) by reference, with their type. */
  readonly #batches: Map<string, string> = new Map();

  constructor(nick: string) {
    this.nick = nick;
  }

  /** True when `target` names a channel on this server (CHANTYPES). */
  isChannel(target: string): boolean {
    return target.length > 1 && this.support.chanTypes.includes(target.charAt(0));
  }

  /** True when `nick` is us. */
  isMe(nick: string): boolean {
    return sameName(nick, this.nick);
  }

  /** The joined channel called `name`, if any. */
  channel(name: string): ChannelInfo | undefined {
    return this.channels.get(foldCase(name));
  }

  /** Conversations in display order: channels by join order, then private ones. */
  windows(): string[] {
    return [...[...this.channels.values()].map((c) => c.name), ...this.queries];
  }

  /** The window called `name` (case-insensitively), if open. */
  findWindow(name: string): string | undefined {
    return this.windows().find((w) => sameName(w, name));
  }

  /** Nicks in a channel (with prefixes stripped), sorted case-insensitively. */
  membersOf(channel: string): string[] {
    const c = this.channel(channel);
    if (!c) return [];
    return [...c.members.values()].map((m) => m.nick).sort((a, b) =>
      foldCase(a) < foldCase(b) ? -1 : foldCase(a) > foldCase(b) ? 1 : 0
    );
  }

  /** Names as NAMES shows them (`@alice`), highest status first, then alphabetically. */
  namesOf(channel: string): string[] {
    const c = this.channel(channel);
    if (!c) return [];
    const rank = (m: Member) =>
      m.prefixes === "" ? this.support.prefixSymbols.length : this.support.prefixSymbols.indexOf(
        m.prefixes.charAt(0),
      );
    return [...c.members.values()].sort((a, b) =>
      rank(a) - rank(b) || (foldCase(a.nick) < foldCase(b.nick) ? -1 : 1)
    ).map((m) => m.prefixes.slice(0, 1) + m.nick);
  }

  /** Channels we share with `nick`, by display name. */
  channelsOf(nick: string): string[] {
    const key = foldCase(nick);
    return [...this.channels.values()].filter((c) => c.members.has(key)).map((c) => c.name);
  }

  /** NAMES entries collected for a channel since the last 366. */
  pendingNames(channel: string): string[] {
    return this.#names.get(foldCase(channel)) ?? [];
  }

  /** Opens (or finds) a private conversation; returns its name. */
  openQuery(nick: string): string {
    const existing = this.queries.find((q) => sameName(q, nick));
    if (existing) return existing;
    this.queries.push(nick);
    return nick;
  }

  /** Closes a private conversation; moves the current target away from it. */
  closeQuery(nick: string): void {
    const i = this.queries.findIndex((q) => sameName(q, nick));
    if (i === -1) return;
    this.queries.splice(i, 1);
    if (this.current !== undefined && sameName(this.current, nick)) this.#pickCurrent();
  }

  /**
   * Forgets per-connection facts after the connection dropped and returns the channels to rejoin
   * (with keys). Open queries and the current target stay.
   */
  disconnected(): string[] {
    const rejoin = [...this.channels.values()].map((c) => c.name);
    for (const name of rejoin) this.switchOnJoin.delete(foldCase(name));
    this.channels.clear();
    this.#names.clear();
    this.#batches.clear();
    this.registered = false;
    this.account = undefined;
    this.caps = new Set();
    this.capValues = new Map();
    this.support = defaultSupport();
    return rejoin;
  }

  /** True when the server keeps read markers for us: we asked for them and are logged in. */
  get keepsMarkers(): boolean {
    return this.caps.has("draft/read-marker") && this.account !== undefined;
  }

  /** Remembers the keys of a JOIN we send, to rejoin with them after a reconnect. */
  rememberKeys(m: Message): void {
    const [channels = "", keys] = m.params;
    if (m.command !== "JOIN" || keys === undefined) return;
    const keyList = keys.split(",");
    channels.split(",").forEach((c, i) => {
      const key = keyList[i];
      if (key) this.keys.set(foldCase(c), key);
    });
  }

  /** True when `m` is part of a history replay (a `chathistory` batch) rather than live. */
  isReplayed(m: Message): boolean {
    const ref = m.tags?.["batch"];
    return ref !== undefined && this.#batches.get(ref) === "chathistory";
  }

  #pickCurrent(): void {
    this.current = this.windows()[0];
  }

  /** Updates the picture from one message received from the server. */
  apply(m: Message): void {
    const nick = m.source !== undefined ? parseSource(m.source).nick : "";
    const p = m.params;
    switch (m.command) {
      case N.RPL_WELCOME:
        if (p[0]) this.nick = p[0];
        this.registered = true;
        break;
      case N.RPL_ISUPPORT:
        this.#isupport(p.slice(1, -1));
        break;
      case "JOIN":
        if (p[0]) this.#join(nick, p[0]);
        break;
      case "PART":
        if (p[0]) { for (const ch of p[0].split(",")) this.#leave(nick, ch); }
        break;
      case "KICK":
        if (p[0] && p[1]) this.#leave(p[1], p[0]);
        break;
      case "QUIT":
        for (const c of this.channels.values()) c.members.delete(foldCase(nick));
        break;
      case "NICK":
        if (p[0]) this.#rename(nick, p[0]);
        break;
      case "TOPIC": {
        const c = p[0] ? this.channel(p[0]) : undefined;
        if (c) c.topic = p[1] || undefined;
        break;
      }
      case N.RPL_TOPIC: {
        const c = p[1] ? this.channel(p[1]) : undefined;
        if (c) c.topic = p[2];
        break;
      }
      case N.RPL_NAMREPLY: {
        // 353 me = #chan :names  (the "=" / "*" / "@" visibility token is optional in practice)
        const channel = p.length >= 4 ? p[2] : p[1];
        const names = (p.at(-1) ?? "").split(" ").filter((n) => n !== "");
        const key = foldCase(channel ?? "");
        this.#names.set(key, [...(this.#names.get(key) ?? []), ...names]);
        break;
      }
      case N.RPL_ENDOFNAMES: {
        const key = foldCase(p[1] ?? "");
        const names = this.#names.get(key);
        this.#names.delete(key);
        const c = this.channels.get(key);
        if (c && names) {
          c.members.clear();
          for (const entry of names) {
            const member = this.#parseName(entry);
            c.members.set(foldCase(member.nick), member);
          }
        }
        break;
      }
      case "MODE":
        if (p[0] && this.isChannel(p[0])) this.#channelMode(p[0], p.slice(1));
        break;
      case "BATCH": {
        const ref = p[0] ?? "";
        // a server that opens batches and never closes them cannot grow this without end
        if (ref.startsWith("+") && ref.length > 1 && this.#batches.size < MAX_OPEN_BATCHES) {
          this.#batches.set(ref.slice(1), p[1] ?? "");
        } else if (ref.startsWith("-")) this.#batches.delete(ref.slice(1));
        break;
      }
      case N.RPL_LOGGEDIN:
        if (p[2]) this.account = p[2];
        break;
      case N.RPL_LOGGEDOUT:
        this.account = undefined;
        break;
      case N.RPL_MONONLINE:
      case N.RPL_MONOFFLINE:
        for (const nick of monitorTargets(p[1])) {
          this.presence.set(foldCase(nick), m.command === N.RPL_MONONLINE);
        }
        break;
    }
  }

  #isupport(tokens: string[]): void {
    for (const token of tokens) {
      const eq = token.indexOf("=");
      const key = eq === -1 ? token : token.slice(0, eq);
      const value = eq === -1 ? "" : token.slice(eq + 1);
      switch (key) {
        case "CHANTYPES":
          this.support.chanTypes = value;
          break;
        case "PREFIX": {
          const [, modes, symbols] = /^\(([^)]*)\)(.*)$/.exec(value) ?? [];
          if (modes !== undefined && symbols !== undefined && modes.length === symbols.length) {
            this.support.prefixModes = modes;
            this.support.prefixSymbols = symbols;
          }
          break;
        }
        case "CHANMODES": {
          const g = value.split(",");
          this.support.chanModes = [g[0] ?? "", g[1] ?? "", g[2] ?? "", g[3] ?? ""];
          break;
        }
        case "NETWORK":
          this.support.network = value;
          break;
        case "STATUSMSG":
          this.support.statusMsg = value;
          break;
        case "MONITOR": {
          const limit = value === "" ? Infinity : Number(value);
          this.support.monitor = Number.isInteger(limit) && limit >= 0 ? limit : Infinity;
          break;
        }
      }
    }
  }

  /** Splits `@+alice` or `@alice!user@host` (userhost-in-names) into a member. */
  #parseName(entry: string): Member {
    let i = 0;
    while (i < entry.length && this.support.prefixSymbols.includes(entry.charAt(i))) i++;
    const prefixes = this.#sortPrefixes(entry.slice(0, i));
    return { nick: parseSource(entry.slice(i)).nick, prefixes };
  }

  #sortPrefixes(prefixes: string): string {
    const order = this.support.prefixSymbols;
    return [...prefixes].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join("");
  }

  #join(nick: string, channels: string): void {
    for (const name of channels.split(",")) {
      const key = foldCase(name);
      if (this.isMe(nick)) {
        if (!this.channels.has(key)) {
          this.channels.set(key, { name, topic: undefined, members: new Map() });
        }
        if (this.current === undefined || this.switchOnJoin.has(key)) this.current = name;
        this.switchOnJoin.delete(key);
      }
      this.channels.get(key)?.members.set(foldCase(nick), { nick, prefixes: "" });
    }
  }

  #leave(nick: string, channel: string): void {
    const key = foldCase(channel);
    if (this.isMe(nick)) {
      this.channels.delete(key);
      if (this.current !== undefined && sameName(this.current, channel)) this.#pickCurrent();
    } else {
      this.channels.get(key)?.members.delete(foldCase(nick));
    }
  }

  #rename(from: string, to: string): void {
    const fromKey = foldCase(from);
    for (const c of this.channels.values()) {
      const m = c.members.get(fromKey);
      if (!m) continue;
      c.members.delete(fromKey);
      c.members.set(foldCase(to), { nick: to, prefixes: m.prefixes });
    }
    const q = this.queries.findIndex((n) => sameName(n, from));
    if (q !== -1 && !this.queries.some((n) => sameName(n, to))) this.queries[q] = to;
    if (this.current !== undefined && sameName(this.current, from)) this.current = to;
    if (this.isMe(from)) this.nick = to;
  }

  #channelMode(channel: string, args: string[]): void {
    const c = this.channel(channel);
    const modes = args[0] ?? "";
    let next = 1;
    let adding = true;
    const [a, b, cGroup] = this.support.chanModes;
    for (const mode of modes) {
      if (mode === "+" || mode === "-") {
        adding = mode === "+";
        continue;
      }
      const prefixIndex = this.support.prefixModes.indexOf(mode);
      if (prefixIndex !== -1) {
        const target = args[next++];
        const member = target !== undefined ? c?.members.get(foldCase(target)) : undefined;
        if (member) {
          // PREFIX is only taken with as many symbols as modes
          const symbol = this.support.prefixSymbols.charAt(prefixIndex);
          const without = member.prefixes.replace(symbol, "");
          member.prefixes = adding ? this.#sortPrefixes(without + symbol) : without;
        }
      } else if (a.includes(mode) || b.includes(mode) || (adding && cGroup.includes(mode))) {
        next++; // a mode with a parameter we do not track
      }
    }
  }
}

/** The nicks of a 730/731 target list (`a!u@h,b`), without their `user@host`. */
export function monitorTargets(list: string | undefined): string[] {
  return (list ?? "").split(",").filter((t) => t !== "").map((t) => parseSource(t).nick);
}
