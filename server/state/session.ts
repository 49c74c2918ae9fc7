/**
 * One connection's side of a user: the capabilities it negotiated and the form its output takes,
 * its registration and SASL exchange, whether it came over TLS or through the plain-text door,
 * and the sink its lines go to. A `User` (user.ts) is the network identity and has zero or more
 * of these; what is delivered to the user goes to each, in each one's own form.
 *
 * Pure state, like user.ts: the socket behind a sink is server/session_driver.ts, or a test.
 *
 * @module
 */

import type { Outgoing } from "../outgoing.ts";
import type { MultilineBatch } from "./multiline_batch.ts";
import { WANTS_ACCOUNT, WANTS_MULTILINE, WANTS_TAGS, WANTS_TIME } from "./tag_variant.ts";

/** Where messages for a session go, and how its connection is ended. */
export interface Sink {
  /** Queues a message; never blocks and never throws. */
  send(out: Outgoing): void;
  /**
   * Queues a message that is no reply to the command running, outside any labeled reply being
   * built (a message the client sent itself, delivered as anyone's); `send` when absent.
   */
  deliver?(out: Outgoing): void;
  /**
   * Queues lines already in this client's form (tag variant); false when the client needs each
   * message (the plain-text door, a labeled-response capture).
   */
  sendBytes?(bytes: Uint8Array): boolean;
  /** Ends the connection: the user quits with `reason` and receives an ERROR line. */
  terminate(reason: string): void;
  /**
   * True when at most `below` bytes wait to be sent to this client, false when its connection has
   * ended, else a promise of either once the queue is down to that. Long replies ask between
   * parts, so they never overflow the sendq (long_reply.ts). Absent when the sink keeps no queue.
   */
  drained?(below: number): boolean | Promise<boolean>;
  /** SHA-256 fingerprint (lowercase hex) of the connection's TLS client certificate, if any. */
  certFp?(): string | undefined;
  /**
   * Turns the connection into a pipe to another node, where its session goes on (a cluster's
   * account user lives there; moved_session.ts): `open` makes the pipe, given where that node's
   * lines go. False when this connection cannot move (it came through another node already).
   */
  moveTo?(open: (socket: PipeSocket) => SessionPipe | undefined): boolean;
  /**
   * Sends this connection what a JOIN brings (topic, names) of a channel (by name) after a JOIN
   * it did not ask for: a rename shown to it as PART and JOIN (network/rename.ts).
   */
  rejoin?(channel: string): void;
  /** The connection completed registration (its welcome): it no longer counts as registering. */
  registered?(): void;
  /**
   * The socket's side: its address, which WEBIRC replaces with the gateway's user's; `remote`
   * when the socket is on another node. Absent for sinks without a socket.
   */
  readonly connection?: { hostname: string; readonly remote?: boolean };
}

/** The socket's end of a moved connection, as the user's node writes to it. */
export interface PipeSocket {
  /** CRLF-terminated lines in the client's form. */
  write(lines: string): void;
  /**
   * The session ended: `last` is the line its node ended it with (an ERROR); without one, this
   * end says `reason` itself.
   */
  close(last: string | undefined, reason: string): void;
}

/** The session's end of a moved connection, as the node holding the socket feeds it. */
export interface SessionPipe {
  /** One line from the client. */
  line(line: string): void;
  /** The client sent a line over the length limit (dropped here). */
  tooLong(): void;
  /** The socket closed (or this node stops): the session ends with `reason`. */
  end(reason: string): void;
}

/** Progress of connection registration (NICK, USER, CAP, PASS) before the welcome. */
export interface Registration {
  gotUser: boolean;
  /** CAP LS or REQ was sent and CAP END has not: registration waits. */
  capHold: boolean;
  /** The last PASS given; checked once, when registration completes (a hash is costly). */
  pass: string | undefined;
  /**
   * The NICK of a connection logged in to an account whose user is here: not claimed, as the
   * connection takes that user's nick (claimed at the welcome only if it cannot attach).
   */
  nick?: string;
}

/** Which sessions a delivery is for, by the capabilities they negotiated. */
export interface CapFilter {
  /** Only sessions that negotiated this capability. */
  cap?: string;
  /** Only sessions that did not negotiate this capability. */
  withoutCap?: string;
}

/** A SASL exchange in progress: the mechanism and the base64 received so far. */
export interface SaslExchange {
  mechanism: string;
  buffer: string;
}

/** A session's fields that few connections ever set (see `Session`'s accessors). */
interface RareState {
  sasl?: SaslExchange;
  batch?: MultilineBatch;
  absent?: boolean;
  preAway?: string;
  metadataSubs?: Set<string>;
  /** The fingerprint a connection brought from another node (moved_session.ts). */
  certFp?: string;
  /** Echoes owed for messages on their way through Redis (a cluster), and who waits for none. */
  echoesOwed?: number;
  echoesSettled?: () => void;
}

/** One attached connection of a user, local or (in a cluster) on another node. */
export class Session {
  /** Capabilities negotiated with CAP REQ. */
  readonly caps = new Set<string>();
  /** Variant bits for `Outgoing.bytes`, derived from `caps`. */
  variant = 0;
  /** CAP LS version (301 or 302) if the client sent CAP LS. */
  capVersion = 0;
  #registration: Registration | undefined = { gotUser: false, capHold: false, pass: undefined };
  /** Came in through the plain-text door (netcat): sees rendered lines, not IRC. */
  plainText = false;
  /** Connected over TLS (WHOIS 671). */
  secure: boolean;
  sink: Sink;
  /** What few connections ever have, apart: an idle connection does not pay for it. */
  #rare: RareState | undefined;

  constructor(sink: Sink, secure = false) {
    this.sink = sink;
    this.secure = secure;
  }

  /** A SASL exchange in progress: the mechanism and the base64 received so far. */
  get sasl(): SaslExchange | undefined {
    return this.#rare?.sasl;
  }

  set sasl(exchange: SaslExchange | undefined) {
    this.#set("sasl", exchange);
  }

  /** The `draft/multiline` batch the client has open: one at a time, bounded, dropped with it. */
  get batch(): MultilineBatch | undefined {
    return this.#rare?.batch;
  }

  set batch(batch: MultilineBatch | undefined) {
    this.#set("batch", batch);
  }

  /**
   * Said `AWAY *` (draft/pre-away): an automatic connection (fetching history, say) that does not
   * count as its user being there (presence.ts).
   */
  get absent(): boolean {
    return this.#rare?.absent ?? false;
  }

  set absent(absent: boolean) {
    this.#set("absent", absent || undefined);
  }

  /** An away message given before registration (draft/pre-away), set on the user at the welcome. */
  get preAway(): string | undefined {
    return this.#rare?.preAway;
  }

  set preAway(message: string | undefined) {
    this.#set("preAway", message);
  }

  /**
   * The draft/metadata-2 keys this connection subscribed to (METADATA SUB), at most the
   * advertised max-subs; absent until its first SUB.
   */
  get metadataSubs(): Set<string> | undefined {
    return this.#rare?.metadataSubs;
  }

  set metadataSubs(keys: Set<string> | undefined) {
    this.#set("metadataSubs", keys);
  }

  /** Sets a rare field, making their holder only when a value is set. */
  #set<K extends keyof RareState>(key: K, value: RareState[K]): void {
    if (value === undefined && !this.#rare) return;
    (this.#rare ??= {})[key] = value;
  }

  /** Undefined once this connection is registered (has received 001). */
  get registration(): Registration | undefined {
    return this.#registration;
  }

  /** Ending registration tells the sink (LUSERS counts the connections still registering). */
  set registration(registration: Registration | undefined) {
    const was = this.#registration;
    this.#registration = registration;
    if (was && !registration) this.sink.registered?.();
  }

  /**
   * SHA-256 fingerprint (lowercase hex) of the TLS client certificate this connection presented:
   * SASL EXTERNAL logs in the account that holds it; WHOIS 276 shows it to the user and opers.
   */
  get certFp(): string | undefined {
    return this.#rare?.certFp ?? this.sink.certFp?.();
  }

  set certFp(fp: string | undefined) {
    this.#set("certFp", fp);
  }

  /** True once the welcome burst was sent on this connection. */
  get registered(): boolean {
    return this.registration === undefined;
  }

  /** A message from this session awaits its echo (a cluster node: until Redis answers). */
  owesEcho(): void {
    this.#set("echoesOwed", (this.#rare?.echoesOwed ?? 0) + 1);
  }

  /** An owed echo was given, or never will be. */
  echoSettled(): void {
    const rare = this.#rare;
    if (!rare?.echoesOwed || --rare.echoesOwed > 0) return;
    this.forgetEchoes();
  }

  /** Stops waiting for the echoes owed (they took too long: lost with a node, say). */
  forgetEchoes(): void {
    const rare = this.#rare;
    if (!rare) return;
    const settled = rare.echoesSettled;
    rare.echoesOwed = rare.echoesSettled = undefined;
    settled?.();
  }

  /**
   * Resolves once no echo is owed; undefined when none is. A labeled command's reply waits for
   * it, so that the echo is the reply that carries the label (labeled-response).
   */
  echoesSettled(): Promise<void> | undefined {
    const rare = this.#rare;
    if (!rare?.echoesOwed) return undefined;
    return new Promise((resolve) => {
      const before = rare.echoesSettled;
      rare.echoesSettled = () => {
        before?.();
        resolve();
      };
    });
  }

  /** Records a capability change and recomputes the tag variant. */
  setCap(name: string, on: boolean): void {
    if (on) this.caps.add(name);
    else this.caps.delete(name);
    this.variant = (this.caps.has("server-time") ? WANTS_TIME : 0) |
      (this.caps.has("message-tags") ? WANTS_TAGS : 0) |
      (this.caps.has("account-tag") ? WANTS_ACCOUNT : 0) |
      (this.caps.has("draft/multiline") && this.caps.has("batch") ? WANTS_MULTILINE : 0);
  }

  /** Whether a delivery with `filter` is for this session. */
  accepts(filter: CapFilter | undefined): boolean {
    if (!filter) return true;
    if (filter.cap !== undefined && !this.caps.has(filter.cap)) return false;
    return filter.withoutCap === undefined || !this.caps.has(filter.withoutCap);
  }

  /** See `Sink.drained`; true for a sink without a queue. */
  drained(below: number): boolean | Promise<boolean> {
    return this.sink.drained?.(below) ?? true;
  }
}
