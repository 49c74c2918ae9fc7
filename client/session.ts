/**
 * The client's engine, shared by the terminal and pipe modes: connects, registers, joins,
 * answers PING and CTCP, keeps `ClientState` up to date, turns server messages into events for
 * the UI, notices dead connections, and reconnects with backoff (re-registering and rejoining)
 * until the user quits.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { SERVER_LINE_LIMITS } from "../protocol/lines.ts";
import { type Message, msg, parseSource } from "../protocol/message.ts";
import { backoffDelay, type BackoffPolicy, DEFAULT_BACKOFF } from "../util/backoff.ts";
import {
  type ConnectError,
  connectTo,
  formatAddress,
  type IrcConnection,
  type ServerAddress,
  type TlsOptions,
} from "./connection.ts";
import { type ChatEvent, toEvents } from "./events.ts";
import type { PacingPolicy } from "./pacer.ts";
import { type Identity, Registration, WANTED_CAPS } from "./registration.ts";
import { MarkThrottle } from "./mark_throttle.ts";
import { Queries } from "./queries.ts";
import { parseMarkread } from "./read_state.ts";
import { ClientState } from "./state.ts";
import { ctcpReply } from "./ctcp_reply.ts";
import { MultilineInbox } from "./multiline.ts";

/** Everything a session needs to know. */
export interface SessionConfig {
  server: ServerAddress;
  /** Connect with TLS (verified unless `insecure`). */
  tls?: TlsOptions;
  identity: Identity;
  /** Channels to join after registering (the first one becomes current). */
  channels: string[];
  /** Reconnect after a drop (default true). */
  reconnect?: boolean;
  backoff?: BackoffPolicy;
  pacing?: PacingPolicy;
  connectTimeoutMs?: number;
  /** Silence after which we PING the server, and how long it has to answer. */
  pingAfterMs?: number;
  pingTimeoutMs?: number;
  /** Time allowed from connecting to 001. */
  registrationTimeoutMs?: number;
  /** Random numbers for jitter and tokens (injectable for tests). */
  random?: () => number;
  caps?: readonly string[];
  /** Least time between two rounds of MARKREAD (default 1 s): a flood sends few. */
  markReadIntervalMs?: number;
}

/** How a session ended. */
export type SessionEnd =
  | { kind: "quit" }
  | { kind: "failed"; reason: string };

/** Receives everything the user should see. */
export type EventSink = (event: ChatEvent) => void;

/** Default for `SessionConfig.markReadIntervalMs`. */
const MARK_READ_INTERVAL_MS = 1000;

const LIVENESS_CHECK_MS = 5000;

/** One user's connection to one server, across reconnects. */
export class ChatSession {
  readonly state: ClientState;
  /** Private conversations: open and close them here (read markers, MONITOR follow). */
  readonly queries: Queries;
  /** Resolves once, when the user quit or the session failed for good. */
  readonly ended: Promise<SessionEnd>;
  readonly #config: SessionConfig;
  readonly #sink: EventSink;
  readonly #random: () => number;
  #resolveEnded!: (end: SessionEnd) => void;
  #end: SessionEnd | undefined;
  #conn: IrcConnection | undefined;
  #registration: Registration | undefined;
  #connectedAt = 0;
  #pingSent = false;
  #liveness: ReturnType<typeof setInterval> | undefined;
  #attempt = 0;
  #quitting: string | undefined;
  #fatal: string | undefined;
  #wakeSleep: (() => void) | undefined;
  /** The nick the user wants: the configured one, or the last one they changed to. */
  #wantedNick: string;
  /** Channels to join on the next registration. */
  #rejoin: string[];
  #ready = false;
  #readyToken: string | undefined;
  #readyWaiters: ((ready: boolean) => void)[] = [];
  readonly #pongWaiters = new Map<string, () => void>();
  /** User lines queued on a connection that died, resent when ready again. */
  #carry: string[] = [];
  /** Called when unread counts may have changed without a line shown (a MARKREAD arrived). */
  readonly #onReadChange: () => void;
  /** Read markers moved here, on their way to the server. */
  readonly #marks: MarkThrottle;
  readonly #inbox = new MultilineInbox();

  constructor(config: SessionConfig, sink: EventSink, onReadChange: () => void = () => {}) {
    this.#config = config;
    this.#sink = sink;
    this.#onReadChange = onReadChange;
    this.#marks = new MarkThrottle(
      config.markReadIntervalMs ?? MARK_READ_INTERVAL_MS,
      (targets) => this.#sendMarks(targets),
    );
    this.#random = config.random ?? Math.random;
    this.state = new ClientState(config.identity.nick);
    this.queries = new Queries(this.state, (m) => {
      const conn = this.#conn;
      if (!conn || conn.isClosed || !this.state.registered) return false;
      conn.send(m);
      return true;
    });
    this.#wantedNick = config.identity.nick;
    this.#rejoin = [...config.channels];
    this.ended = new Promise((resolve) => this.#resolveEnded = resolve);
  }

  /** True when registered on a live connection. */
  get connected(): boolean {
    return this.#conn !== undefined && !this.#conn.isClosed && this.state.registered;
  }

  /** Whether the server echoes our messages back (echo-message), so we need not show them. */
  get echoes(): boolean {
    return this.state.caps.has("echo-message");
  }

  /**
   * Makes the first connection. On failure the session ends and the error is returned (the
   * caller prints it and exits); afterwards drops are handled by reconnecting.
   */
  async start(): Promise<ConnectError | undefined> {
    this.#status(`Connecting to ${formatAddress(this.#config.server)}…`);
    const result = await this.#connect();
    if (!result.ok) {
      this.#finish({ kind: "failed", reason: result.error.message });
      return result.error;
    }
    this.#run(result.connection).catch((err) =>
      this.#finish({ kind: "failed", reason: `internal error: ${err}` })
    );
    return undefined;
  }

  /**
   * Resolves true once registered, joined (or refused) the channels and caught up — or false if
   * the session ends first. Pipe mode waits for this before sending.
   */
  whenReady(): Promise<boolean> {
    if (this.#ready && this.#conn !== undefined && !this.#conn.isClosed) {
      return Promise.resolve(true);
    }
    if (this.#end) return Promise.resolve(false);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Lines waiting in the send queue (for pipe-mode backpressure). */
  get queued(): number {
    return this.#conn?.queued ?? 0;
  }

  /** Resolves when the send queue is empty or the connection gone. */
  drained(): Promise<void> {
    return this.#conn?.drained() ?? Promise.resolve();
  }

  /**
   * Sends what the user typed (paced; `together`, a multiline batch, as one line is). Shows our
   * own PRIVMSG/NOTICE right away unless the server will echo them. Returns false (sending
   * nothing) when not connected.
   */
  sendUser(messages: Message[], together = false): boolean {
    const conn = this.#conn;
    if (!conn || conn.isClosed || !this.state.registered) return false;
    if (together) conn.sendTogether(messages, { paced: true });
    const own = new MultilineInbox(); // a batch of ours is shown as its lines too
    const source = `${this.state.nick}!${this.#config.identity.username}@local`;
    for (const m of messages) {
      this.state.rememberKeys(m);
      if (!together) conn.send(m, { paced: true });
      for (const line of this.echoes ? [] : own.take(m)) {
        if (line.command !== "PRIVMSG" && line.command !== "NOTICE") continue;
        const self = { ...line, source };
        const arrival = { replayed: false, current: this.state.current };
        for (const e of toEvents(self, this.state)) {
          if (this.state.read.admit(e, arrival)) this.#sink(e);
        }
      }
    }
    return true;
  }

  /**
   * PINGs the server and waits for the PONG: since servers answer in order, everything sent
   * before has then been processed. False when the connection ends or `timeoutMs` passes first.
   */
  async roundTrip(timeoutMs = 10_000): Promise<boolean> {
    const conn = this.#conn;
    if (!conn || conn.isClosed) return false;
    const token = this.#token("sync");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const pong = new Promise<boolean>((resolve) =>
      this.#pongWaiters.set(token, () => resolve(true))
    );
    conn.send(msg("PING", [token]));
    const result = await Promise.race([
      pong,
      conn.closed.then(() => false),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), timeoutMs)),
    ]);
    clearTimeout(timer);
    this.#pongWaiters.delete(token);
    return result;
  }

  /** Sends QUIT, waits (briefly) for the server to close, stops reconnecting; idempotent. */
  async quit(reason = ""): Promise<SessionEnd> {
    if (this.#quitting === undefined) {
      this.#quitting = reason;
      this.#wakeSleep?.();
      const conn = this.#conn;
      if (conn && !conn.isClosed) {
        conn.send(msg("QUIT", reason === "" ? [] : [reason]));
        const timer = setTimeout(() => conn.close("quit"), 3000);
        await conn.closed;
        clearTimeout(timer);
      }
    }
    return await this.ended;
  }

  #status(text: string): void {
    this.#sink({ kind: "status", time: new Date(), text });
  }

  #token(prefix: string): string {
    return `${prefix}${Math.floor(this.#random() * 1e9).toString(36)}${Date.now().toString(36)}`;
  }

  #connect() {
    return connectTo(this.#config.server, {
      onMessage: (m, conn) => this.#receive(m, conn),
      onTooLong: (conn) => {
        if (conn !== this.#conn) return;
        const kib = SERVER_LINE_LIMITS.maxBodyBytes / 1024;
        this.#status(`A line from the server was too long (over ${kib} KiB) and was dropped`);
      },
      pacing: this.#config.pacing,
      timeoutMs: this.#config.connectTimeoutMs,
      tls: this.#config.tls,
    });
  }

  #finish(end: SessionEnd): void {
    if (this.#end) return;
    this.#end = end;
    this.#marks.stop();
    for (const w of this.#readyWaiters.splice(0)) w(false);
    this.#resolveEnded(end);
  }

  async #run(first: IrcConnection): Promise<void> {
    let conn = first;
    for (;;) {
      if (this.#quitting !== undefined) {
        conn.close("quit");
        return this.#finish({ kind: "quit" });
      }
      this.#attach(conn);
      const reason = await conn.closed;
      this.#detach(conn);
      if (this.#quitting !== undefined) return this.#finish({ kind: "quit" });
      if (this.#fatal !== undefined) return this.#finish({ kind: "failed", reason: this.#fatal });
      if (this.#config.reconnect === false) {
        return this.#finish({ kind: "failed", reason: `disconnected: ${reason}` });
      }
      this.#status(`Disconnected: ${reason}`);
      const next = await this.#reconnect();
      if (next === undefined) return this.#finish({ kind: "quit" });
      conn = next;
    }
  }

  async #reconnect(): Promise<IrcConnection | undefined> {
    for (;;) {
      const delay = backoffDelay(
        this.#attempt++,
        this.#config.backoff ?? DEFAULT_BACKOFF,
        this.#random(),
      );
      this.#status(`Reconnecting in ${(delay / 1000).toFixed(1)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wakeSleep = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wakeSleep = undefined;
      if (this.#quitting !== undefined) return undefined;
      this.#status(`Connecting to ${formatAddress(this.#config.server)}…`);
      const result = await this.#connect();
      if (this.#quitting !== undefined) {
        if (result.ok) result.connection.close("quit");
        return undefined;
      }
      if (result.ok) return result.connection;
      this.#status(`Connection failed: ${result.error.message}`);
    }
  }

  #attach(conn: IrcConnection): void {
    this.#conn = conn;
    this.#connectedAt = Date.now();
    this.#pingSent = false;
    this.#registration = new Registration(
      { ...this.#config.identity, nick: this.#wantedNick },
      this.#config.caps ?? WANTED_CAPS,
    );
    for (const m of this.#registration.start()) conn.send(m);
    this.#liveness = setInterval(() => this.#checkLiveness(conn), LIVENESS_CHECK_MS);
  }

  #detach(conn: IrcConnection): void {
    clearInterval(this.#liveness);
    this.#liveness = undefined;
    this.#carry.push(...conn.takeUnsent());
    this.#inbox.clear();
    this.queries.disconnected();
    this.#ready = false;
    this.#readyToken = undefined;
    const wasRegistered = this.state.registered;
    const channels = this.state.disconnected();
    if (wasRegistered) this.#rejoin = channels;
  }

  #checkLiveness(conn: IrcConnection): void {
    const now = Date.now();
    if (!this.state.registered) {
      if (now - this.#connectedAt > (this.#config.registrationTimeoutMs ?? 60_000)) {
        conn.close("registration timed out");
      }
      return;
    }
    const silent = now - conn.lastReceived;
    const pingAfter = this.#config.pingAfterMs ?? 120_000;
    if (silent > pingAfter + (this.#config.pingTimeoutMs ?? 60_000)) {
      conn.close(`no answer from the server for ${Math.round(silent / 1000)} s`);
    } else if (silent > pingAfter && !this.#pingSent) {
      this.#pingSent = true;
      conn.send(msg("PING", [this.#token("alive")]), { urgent: true });
    } else if (silent <= pingAfter) {
      this.#pingSent = false;
    }
  }

  #receive(m: Message, conn: IrcConnection): void {
    if (conn !== this.#conn) return; // a connection being replaced
    if (m.command === "PING") {
      conn.send(msg("PONG", m.params), { urgent: true });
      return;
    }
    if (m.command === "PONG") {
      const token = m.params.at(-1) ?? "";
      this.#pongWaiters.get(token)?.();
      if (token === this.#readyToken) this.#becomeReady(conn);
      return;
    }
    let registeredNow = false;
    if (!this.state.registered && this.#registration) {
      const step = this.#registration.handle(m);
      switch (step.kind) {
        case "progress":
          for (const out of step.send) conn.send(out);
          if (step.notice) this.#status(step.notice);
          return;
        case "failed":
          this.#fatal = step.reason;
          this.#sink({ kind: "error", time: new Date(), text: step.reason });
          conn.close(step.reason);
          return;
        case "registered":
          this.state.caps = step.caps;
          this.state.capValues = step.capValues;
          this.state.account = step.account;
          registeredNow = true;
          break;
      }
    }
    if (m.command === "ERROR" && this.#quitting !== undefined) return;
    if (m.command === "MARKREAD") return this.#markerHeard(m);
    // a multiline batch is shown once complete, as its lines
    for (const part of this.#inbox.take(m)) this.#show(part, conn);
    if (registeredNow) this.#registered(conn);
  }

  #show(m: Message, conn: IrcConnection): void {
    const events = toEvents(m, this.state);
    const arrival = {
      replayed: this.state.isReplayed(m),
      msgid: m.tags?.["msgid"],
      current: this.state.current,
    };
    const reply = ctcpReply(m, (nick) => this.state.isMe(nick));
    if (reply) conn.send(reply, { paced: true });
    this.#trackWantedNick(m);
    this.state.apply(m);
    for (const e of events) {
      if (!this.state.read.admit(e, arrival)) continue; // shown before this reconnect
      if ((e.kind === "message" || e.kind === "action") && e.private && !e.own && !e.fromServer) {
        this.queries.open(e.from ?? "");
      }
      this.#sink(e);
    }
    if (events.length > 0) this.markCurrentRead();
    if (m.command === "NICK") this.queries.sync(); // a partner's query follows its new nick
  }

  #markerHeard(m: Message): void {
    const marker = parseMarkread(m.params);
    if (marker?.time === undefined) return;
    if (this.state.read.setMarker(marker.target, marker.time)) this.#onReadChange();
  }

  /**
   * The user sees the current conversation: what it showed is read. Its unread lines are
   * forgotten and the read marker moves to its newest line, sent to the server (when it keeps
   * markers) at most once per interval, so a flood of lines costs a MARKREAD a second at most.
   */
  markCurrentRead(): void {
    const current = this.state.current;
    if (current === undefined) return;
    const read = this.state.read;
    read.clearUnread(current);
    const newest = read.newestShown(current);
    if (newest === undefined || !read.setMarker(current, newest)) return;
    if (this.state.keepsMarkers) this.#marks.add(current);
  }

  /** Sends the markers of `targets` as they are now; false without a connection. */
  #sendMarks(targets: string[]): boolean {
    const conn = this.#conn;
    if (!conn || conn.isClosed || !this.state.registered) return false;
    for (const target of targets) {
      const time = this.state.read.marker(target);
      if (time === undefined) continue;
      conn.send(msg("MARKREAD", [target, `timestamp=${new Date(time).toISOString()}`]));
    }
    return true;
  }

  #trackWantedNick(m: Message): void {
    if (m.command === "NICK" && m.source && this.state.registered) {
      if (this.state.isMe(parseSource(m.source).nick) && m.params[0]) {
        this.#wantedNick = m.params[0];
      }
    }
  }

  #registered(conn: IrcConnection): void {
    this.#attempt = 0;
    // markers of private conversations: other devices may have moved them while we were away
    if (this.state.keepsMarkers) {
      for (const q of this.state.queries) conn.send(msg("MARKREAD", [q]));
    }
    for (const channel of this.#rejoin) {
      const key = this.state.keys.get(foldCase(channel));
      conn.send(msg("JOIN", key ? [channel, key] : [channel]));
    }
    // Once the PONG to this arrives, every JOIN has been answered.
    this.#readyToken = this.#token("ready");
    conn.send(msg("PING", [this.#readyToken]));
  }

  #becomeReady(conn: IrcConnection): void {
    this.#ready = true;
    this.#readyToken = undefined;
    this.#marks.flush();
    this.queries.sync(); // ISUPPORT is known now: MONITOR the partners of open queries
    for (const line of this.#carry.splice(0)) conn.send(line, { paced: true });
    for (const w of this.#readyWaiters.splice(0)) w(true);
  }
}
