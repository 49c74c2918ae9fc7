/**
 * A user on the network: identity, modes, channels and negotiated capabilities.
 *
 * Pure state. What reaches the user's connection goes through its `Sink`, so the same object
 * serves an IRC socket, a plain-text socket, a test, or (later) a user on another node.
 *
 * @module
 */

import { holding, settle } from "../join_batch.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "./channel.ts";
import { foldCase } from "../../protocol/casemap.ts";
import { WANTS_ACCOUNT, WANTS_TAGS, WANTS_TIME } from "../outgoing.ts";

/** Where messages for a user go, and how its connection is ended. */
export interface Sink {
  /** Queues a message; never blocks and never throws. */
  send(out: Outgoing): void;
  /**
   * Queues lines already in this client's form (tag variant); false when the client needs each
   * message (the plain-text door, a labeled-response capture).
   */
  sendBytes?(bytes: Uint8Array): boolean;
  /** Ends the connection: the user quits with `reason` and receives an ERROR line. */
  terminate(reason: string): void;
}

/** Progress of connection registration (NICK, USER, CAP, PASS) before the welcome. */
export interface Registration {
  gotUser: boolean;
  /** CAP LS or REQ was sent and CAP END has not: registration waits. */
  capHold: boolean;
  /** The last PASS given; checked once, when registration completes (a hash is costly). */
  pass: string | undefined;
}

/** One user, local or (later) remote. */
export class User {
  readonly id: number;
  nick = "*";
  folded = "*";
  username = "";
  hostname: string;
  realname = "";
  /** User modes: `i` invisible, `o` operator, `w` wallops. */
  readonly modes = new Set<string>();
  away: string | undefined;
  /** Capabilities negotiated with CAP REQ. */
  readonly caps = new Set<string>();
  /** Variant bits for `Outgoing.bytes`, derived from `caps`. */
  variant = 0;
  /** CAP LS version (301 or 302) if the client sent CAP LS. */
  capVersion = 0;
  /** Channels joined, by folded name. */
  readonly channels = new Map<string, Channel>();
  /** Undefined once the user is registered (has received 001). */
  registration: Registration | undefined = { gotUser: false, capHold: false, pass: undefined };
  /** Came in through the plain-text door (netcat): sees rendered lines, not IRC. */
  plainText = false;
  /** Connected over TLS (WHOIS 671). */
  secure = false;
  /** The account the user is logged in to (display case), if any. */
  account: string | undefined;
  /** When a user holding someone else's registered nick gets renamed, unless they log in. */
  nickDeadline: number | undefined;
  /** A SASL exchange in progress: the mechanism and the base64 received so far. */
  sasl: { mechanism: string; buffer: string } | undefined;
  readonly signon: number;
  /** Last time the user sent a message (WHOIS idle). */
  lastMessage: number;
  sink: Sink;

  constructor(id: number, hostname: string, sink: Sink, now = Date.now()) {
    this.id = id;
    this.hostname = hostname;
    this.sink = sink;
    this.signon = now;
    this.lastMessage = now;
  }

  /** True once the welcome burst was sent. */
  get registered(): boolean {
    return this.registration === undefined;
  }

  /** `nick!user@host`, the source of the user's messages. */
  get source(): string {
    return `${this.nick}!${this.username}@${this.hostname}`;
  }

  /** Sets nick and its folded form together. */
  setNick(nick: string): void {
    this.nick = nick;
    this.folded = foldCase(nick);
    for (const channel of this.channels.values()) channel.members.names = undefined;
  }

  /** Records a capability change and recomputes the tag variant. */
  setCap(name: string, on: boolean): void {
    if (on) this.caps.add(name);
    else this.caps.delete(name);
    this.variant = (this.caps.has("server-time") ? WANTS_TIME : 0) |
      (this.caps.has("message-tags") ? WANTS_TAGS : 0) |
      (this.caps.has("account-tag") ? WANTS_ACCOUNT : 0);
  }

  /** Delivers one message to this user's connection, after any JOINs held for it. */
  send(out: Outgoing): void {
    if (holding()) settle(this);
    this.sink.send(out);
  }

  /**
   * Queues lines already formatted for this user (after any JOINs held for it); false, and
   * nothing sent, when the sink needs messages instead (plain text, a labeled reply being built).
   */
  sendBytes(bytes: Uint8Array): boolean {
    if (!this.sink.sendBytes) return false;
    if (holding()) settle(this);
    return this.sink.sendBytes(bytes);
  }

  get isOper(): boolean {
    return this.modes.has("o");
  }
}
