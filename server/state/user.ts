/**
 * A user on the network: identity, modes and channels, and the sessions (connections) attached
 * to it. What is delivered to a user goes to each of its sessions, in each one's form
 * (session.ts); today a user has one, later zero (always-on) or several (devices).
 *
 * Pure state. What reaches a connection goes through its session's `Sink`, so the same object
 * serves an IRC socket, a plain-text socket, a test, or a user on another node.
 *
 * @module
 */

import type { Outgoing } from "../outgoing.ts";
import { type Channel, joinsHeld } from "./channel.ts";
import { type CapFilter, Session, type Sink } from "./session.ts";
import { foldCase } from "../../protocol/casemap.ts";
import type { Privilege } from "./oper_privileges.ts";

const NO_PRIVILEGES: ReadonlySet<Privilege> = new Set();

/** The class below, under a name the augmentation can extend without meaning itself. */
type UserState = User;

declare module "./channel.ts" {
  /** A channel's members are users (channel.ts declares the name, this fills it in). */
  interface User extends UserState {}
}

/**
 * The user mode a bot sets on itself (ircv3 bot-mode): ISUPPORT `BOT`, the WHO flag, WHOIS 335
 * and the `bot` tag on its messages all follow from it.
 */
export const BOT_MODE = "B";

let lastUserId = 0;

/** A process-wide unique id for a new local user. */
export function newUserId(): number {
  return ++lastUserId;
}

/** One user, local or remote. */
export class User {
  readonly id: number;
  nick = "*";
  folded = "*";
  username = "";
  hostname: string;
  realname = "";
  /**
   * User modes, their letters in order (`B` bot, `i` invisible, `o` operator, `w` wallops): a
   * string, not a Set, which would cost some 150 bytes per user.
   */
  modes = "";
  away: string | undefined;
  /**
   * What OPER granted (its class, oper_privileges.ts); counts only while `+o` (`hasPrivilege`).
   * Kept on the user's own node, where its commands run; empty elsewhere, which only denies.
   */
  operPrivileges: ReadonlySet<Privilege> = NO_PRIVILEGES;
  /** Channels joined, by folded name. */
  readonly channels = new Map<string, Channel>();
  /** On the network: the welcome burst was sent (to its first session). */
  registered = false;
  /**
   * Its attached connections. Replaced, never grown in place, on attach: an array grown by `push`
   * or spread from empty reserves room for 17, some 150 bytes per idle connection.
   */
  sessions: readonly Session[];
  /** The account the user is logged in to (display case), if any. */
  account: string | undefined;
  /** Stays on the network with no session (its account is always-on, always_on.ts). */
  alwaysOn = false;
  /**
   * When its last session ended, for an always-on user with none (undefined while one is
   * attached); catching up and expiry count from it.
   */
  lastSeen: number | undefined;
  /** Marked away because its last session ended (cleared when one attaches). */
  awayOffline = false;
  /** When a user holding someone else's registered nick gets renamed, unless they log in. */
  nickDeadline: number | undefined;
  readonly signon: number;
  /** Last time the user sent a message (WHOIS idle). */
  lastMessage: number;
  /**
   * Its draft/metadata-2 keys and values: created at the first SET and dropped with the last key,
   * so that the many users who set none pay nothing.
   */
  metadata: Map<string, string> | undefined;

  /** With a `sink`, the user starts with one session writing to it. */
  constructor(id: number, hostname: string, sink?: Sink, now = Date.now()) {
    this.id = id;
    this.hostname = hostname;
    this.signon = now;
    this.lastMessage = now;
    this.sessions = sink ? [new Session(sink)] : [];
  }

  /** Attaches a connection's session: what the user is sent reaches it from now on. */
  attach(session: Session): void {
    this.sessions = this.sessions.length === 0 ? [session] : [...this.sessions, session];
    // its channels' delivery lists (channel.ts `FanOut`) must include the new session
    for (const channel of this.channels.values()) channel.members.fanOut = undefined;
  }

  /** Detaches a session (its connection ended or moved to another user); false if not here. */
  detach(session: Session): boolean {
    if (!this.sessions.includes(session)) return false;
    this.sessions = this.sessions.filter((s) => s !== session);
    for (const channel of this.channels.values()) channel.members.fanOut = undefined;
    return true;
  }

  /** `nick!user@host`, the source of the user's messages. */
  get source(): string {
    return `${this.nick}!${this.username}@${this.hostname}`;
  }

  /** Every session came over TLS (WHOIS 671). */
  get secure(): boolean {
    return this.sessions.length > 0 && this.sessions.every((s) => s.secure);
  }

  /** Sets nick and its folded form together. */
  setNick(nick: string): void {
    this.nick = nick;
    this.folded = foldCase(nick);
    for (const channel of this.channels.values()) channel.members.names = undefined;
  }

  /**
   * Delivers one message to each session `filter` lets through, after any JOINs held for this
   * user, so that nobody sees a reply before the joins that came first.
   */
  send(out: Outgoing, filter?: CapFilter): void {
    if (joinsHeld()) this.#settle();
    for (const session of this.sessions) {
      if (session.accepts(filter)) session.sink.send(out);
    }
  }

  /** Delivers one message to one of this user's sessions (a reply to what it asked). */
  sendTo(session: Session, out: Outgoing): void {
    if (joinsHeld()) this.#settle();
    session.sink.send(out);
  }

  /**
   * Delivers a message to one of this user's sessions as a delivery, not a reply to what it asked
   * (labeled-response: the copy of a message to oneself carries no label).
   */
  deliverTo(session: Session, out: Outgoing): void {
    if (joinsHeld()) this.#settle();
    if (session.sink.deliver) session.sink.deliver(out);
    else session.sink.send(out);
  }

  /**
   * Queues lines already formatted for `session` (after any JOINs held for this user); false, and
   * nothing sent, when the sink needs messages instead (plain text, a labeled reply being built).
   */
  sendBytesTo(session: Session, bytes: Uint8Array): boolean {
    if (!session.sink.sendBytes) return false;
    if (joinsHeld()) this.#settle();
    return session.sink.sendBytes(bytes);
  }

  /** Ends every session: the user quits with `reason` (KILL, GHOST, a cluster's verdict). */
  disconnect(reason: string): void {
    for (const session of this.sessions) session.sink.terminate(reason);
  }

  get isOper(): boolean {
    return this.modes.includes("o");
  }

  /** An operator (`+o`) whose class grants `privilege`. */
  hasPrivilege(privilege: Privilege): boolean {
    return this.isOper && this.operPrivileges.has(privilege);
  }

  /** Marked as a bot (`+B`, `BOT_MODE`). */
  get isBot(): boolean {
    return this.modes.includes(BOT_MODE);
  }

  /** Sets user mode `m` on or off; false when it already was. */
  setMode(m: string, on: boolean): boolean {
    if (this.modes.includes(m) === on) return false;
    this.modes = on ? [...this.modes, m].sort().join("") : this.modes.replace(m, "");
    return true;
  }

  /** Replaces the user's modes with `modes`' letters (as published, e.g. "iw"). */
  setModes(modes: string): void {
    this.modes = [...new Set(modes)].sort().join("");
  }

  /** Writes out the JOIN announcements held for this user in its channels. */
  #settle(): void {
    for (const channel of this.channels.values()) channel.heldJoins?.settleFor(this);
  }
}
