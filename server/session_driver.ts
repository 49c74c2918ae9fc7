/**
 * One client connection from accept to close: tells IRC clients from plain-text users, runs
 * their lines through the command table in order, keeps the ping and registration clocks, and
 * ends the connection exactly once. It is the sink of the connection's `Session` (state/session.ts),
 * attached to the `User` it registers as.
 *
 * @module
 */

import { type Message, msg, parseMessage } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { type CommandTable, dispatch } from "./command_table.ts";
import type { ClientConnection, ConnectionOpener } from "./connection.ts";
import type { LineHandler } from "../protocol/lines.ts";
import type { OutboxEvents } from "./outbox.ts";
import { endSession } from "./attach.ts";
import { Context } from "./context.ts";
import type { Hub } from "./hub.ts";
import { type LabeledHost, LabeledRuns } from "./labeled_run.ts";
import { notStoredNotice } from "./history_warning.ts";
import { enforceNick } from "./login.ts";
import type { Outgoing } from "./outgoing.ts";
import { PlainTextView } from "./plaintext.ts";
import { terminalSafe } from "../protocol/terminal_text.ts";
import type { ServerInfo } from "./server_info.ts";
import { MovedAway, type MovedSession, restoreSession } from "./moved_session.ts";
import { resumeMoved } from "./commands/registration.ts";
import { batchLine, expireBatch } from "./commands/batch.ts";
import { BatchPacing } from "./batch_pacing.ts";
import { rejoinReplies } from "./commands/rename.ts";
import { type PipeSocket, Session, type SessionPipe, type Sink } from "./state/session.ts";
import { newUserId, User } from "./state/user.ts";
import { isSqliteError } from "./store/sqlite_failure.ts";
import type { Stores } from "./store/stores.ts";
import { NOT_UTF8, PLAIN_NOT_UTF8, refuseInvalidUtf8 } from "./utf8_only.ts";
import { FloodBucket } from "./flood_bucket.ts";
import { errorMessage } from "../util/error_message.ts";

/** How long a closing connection may take to flush its last lines. */
const CLOSE_FLUSH_MS = 2000;

/** First lines that mark an IRC client (anything else opens the plain-text door). */
const IRC_OPENERS = new Set(["CAP", "NICK", "USER", "PASS", "WEBIRC"]);

const encoder = new TextEncoder();

/** What a session needs from the server that owns it. */
export interface SessionHost {
  readonly hub: Hub;
  readonly info: ServerInfo;
  readonly commands: CommandTable;
  readonly stores: Stores;
  /** Called once when the session has ended. */
  ended(driver: SessionDriver): void;
}

/**
 * One connected client. It is its own line handler and outbox listener (methods rather than
 * closures: a few hundred bytes less per idle connection).
 */
export class SessionDriver implements Sink, LineHandler, OutboxEvents {
  readonly connection: ClientConnection;
  readonly session: Session;
  readonly #host: SessionHost;
  readonly #ctx: Context;
  #mode: "unknown" | "irc" | "plain" = "unknown";
  #plain: PlainTextView | undefined;
  /**
   * Lines received but not yet run: behind an async command or delayed by flood control. None
   * while idle: a drained array keeps room for 17 lines, some 150 bytes per idle connection.
   */
  #queue: string[] | undefined;
  #queuedBytes = 0;
  /** A line is running or the queue waits on a timer: new lines must queue. */
  #pumping = false;
  #pumpTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #flood: FloodBucket | undefined;
  /** The multiline batch the last paid line opened (made at the first one). */
  #batchPacing: BatchPacing | undefined;
  #ended = false;
  readonly connectedAt = Date.now();
  #lastActivity = this.connectedAt;
  #pingSentAt: number | undefined;
  #closed: Promise<void> | undefined;
  /** Labeled commands (made at the first one). */
  #labels: LabeledRuns | undefined;
  /** Where this connection came from another node: what it brought, until it is resumed. */
  #moved: MovedSession | undefined;
  /** This connection moved to another node: its lines go through this pipe. */
  #pipe: MovedAway | undefined;
  /** Counted in the server's connections still registering (LUSERS 253). */
  #registering = false;

  /** `moved`: the connection came from another node (`open` gives its pipe) with this state. */
  constructor(open: ConnectionOpener, host: SessionHost, moved?: MovedSession) {
    this.#host = host;
    this.connection = open(this);
    this.session = new Session(this, this.connection.secure);
    const user = new User(newUserId(), this.connection.hostname);
    user.attach(this.session);
    this.#ctx = new Context(user, this.session, host.hub, host.info, host.stores);
    if (moved) {
      restoreSession(this.session, user, moved);
      const monitor = moved.monitor?.slice(0, host.info.limits.maxMonitor) ?? [];
      for (const nick of monitor) host.hub.monitors.add(this.#ctx, nick);
      this.#moved = moved;
      this.#mode = moved.plainText ? "plain" : "irc";
      if (moved.plainText) this.#plain = new PlainTextView(moved.phase === "welcome");
    }
    if (!this.session.registered) {
      this.#registering = true;
      host.info.registering.began();
    }
    const limits = host.info.limits;
    if (host.info.floodControl) {
      this.#flood = new FloodBucket(limits.floodBurst, limits.floodRatePerSecond, Date.now());
    }
  }

  /** The user this connection is a session of: its own, or its account's once attached. */
  get user(): User {
    return this.#ctx.user;
  }

  /** Serves the connection; resolves when it has ended and the socket is closed. */
  run(): Promise<void> {
    this.#host.info.log.info(`${this.connection.peer} connected`);
    // a silent client becomes a plain-text user on a later tick (see tick)
    if (!this.connection.canBePlainText && this.#mode === "unknown") this.#mode = "irc";
    const done = this.connection.readLines(this).then((reason) => {
      this.terminate(reason);
      return this.#closed;
    });
    const moved = this.#moved;
    if (moved) {
      // lines arriving meanwhile wait for it, in order
      this.#moved = undefined;
      this.#pumping = true;
      resumeMoved(this.#ctx, moved.phase).catch((err) => this.#crash(err, "resume"))
        .finally(() => this.#pump());
    }
    return done;
  }

  /** Sink: from now on the connection is a pipe to the node its session moved to. */
  moveTo(open: (socket: PipeSocket) => SessionPipe | undefined): boolean {
    if (this.connection.remote || this.#ended) return false;
    this.#pipe = MovedAway.open(open, this.connection, (last, reason) => {
      if (this.#ended) return;
      this.#ended = true;
      this.#close(reason, last);
    });
    if (!this.#pipe) return false;
    this.registered(); // it goes on registering on the other node, if at all
    return true;
  }

  /** Sink: a rename was shown as PART and JOIN: what a JOIN brings follows (topic, names). */
  rejoin(name: string): void {
    const channel = this.#ctx.hub.findChannel(name);
    if (channel) Promise.resolve(rejoinReplies(this.#ctx, channel)).catch(() => {}); // it ended
  }

  /** Sink: the welcome was sent; the connection is no longer one still registering. */
  registered(): void {
    if (!this.#registering) return;
    this.#registering = false;
    this.#host.info.registering.ended();
  }

  /** OutboxEvents: the client's queue passed the sendq limit. */
  overflow(): void {
    this.terminate("SendQ exceeded");
  }

  /** OutboxEvents: the socket refused a write. */
  error(): void {
    this.terminate("Write error");
  }

  /**
   * OutboxEvents: an echo-message client is about to be written to; its echoes must be stored
   * first (see history.ts). While the store is unavailable its output waits (false); when the wait
   * is given up it goes, after a NOTICE that messages are not being stored.
   */
  beforeWrite(): boolean {
    if (this.#pipe || !this.session.caps.has("echo-message")) return true;
    const stored = this.#host.stores.history.flush();
    // false: given up; echoes of what was sent since follow the sender's NOTICE (privmsg.ts)
    if (typeof stored === "boolean") return true;
    stored.then((ok) => {
      const { stores, info } = this.#host;
      const notice = ok ? undefined : notStoredNotice(this.user, stores.history, info.name);
      this.connection.resume(notice?.bytes(this.session.variant).slice());
    });
    return false;
  }

  /** Sink: queues lines in this client's form, when it is an IRC client not holding replies. */
  sendBytes(bytes: Uint8Array): boolean {
    if (this.#labels?.current || this.#mode !== "irc") return false;
    this.connection.send(bytes);
    return true;
  }

  /** Sink: delivers a message in the form this client reads. */
  send(out: Outgoing): void {
    const labeled = this.#labels?.current;
    if (labeled) {
      const now = labeled.add(out);
      if (now !== undefined) this.#deliver(now);
      return;
    }
    this.#deliver(out);
  }

  /** Sink: a message that is no reply to the command running goes out as it is, unlabeled. */
  deliver(out: Outgoing): void {
    this.#deliver(out);
  }

  /** Queues a message in the form this client reads (labels and batches already on it). */
  #deliver(out: Outgoing): void {
    if (this.#mode !== "plain") {
      this.connection.send(out.bytes(this.session.variant));
      return;
    }
    for (const message of out.parts()) {
      for (const line of this.#plain!.render(message, out.time, this.user)) {
        this.connection.send(encoder.encode(line + "\r\n"));
      }
    }
  }

  /** Sink: the fingerprint of the client's TLS certificate. */
  certFp(): string | undefined {
    return this.connection.certFp;
  }

  /**
   * Sink: whether at most `below` bytes are queued for this client (or a promise of it); false
   * once it has left. A long labeled reply starts going out here, not held whole until its
   * command ends.
   */
  drained(below: number): boolean | Promise<boolean> {
    if (this.#ended) return false;
    for (const out of this.#labels?.current?.stream() ?? []) this.#deliver(out);
    return this.connection.drained(below)?.then(() => !this.#ended) ?? true;
  }

  /**
   * Sink: ends the session once. It leaves its user, which quits with `reason` when this was its
   * last session (unless the whole server is stopping and `quietly` spares everyone the QUIT
   * storm); the client gets an ERROR line, and the socket closes after a bounded flush.
   */
  terminate(reason: string, quietly = false): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#pipe) this.#pipe.end(reason);
    else if (!quietly) endSession(this.#host.hub, this.user, this.session, reason);
    this.#close(reason);
  }

  /** Sends the last line (`last`, else an ERROR with `reason`) and closes the socket. */
  #close(reason: string, last?: string): void {
    this.registered(); // uncounted, whether it got that far or not
    clearTimeout(this.#pumpTimer);
    this.#queue = undefined;
    last ??= this.#mode === "plain"
      ? `*** Disconnected: ${terminalSafe(reason)}\r\n` // a KILL's reason is an oper's text
      : `ERROR :Closing Link: ${this.user.hostname} (${reason})\r\n`;
    this.connection.finish(encoder.encode(last));
    const who = this.user.nick === "*" ? "" : ` (${this.user.nick})`;
    this.#host.info.log.info(`${this.connection.peer} disconnected${who}: ${reason}`);
    this.#closed = this.connection.close(CLOSE_FLUSH_MS);
    this.#host.ended(this);
  }

  /** Resolves when the socket is closed. */
  get closed(): Promise<void> {
    return this.#closed ?? Promise.resolve();
  }

  /**
   * Called a few times a second: the plain-text door for silent clients, registration timeout,
   * nick protection, PING when idle, ping timeout. One server-wide timer instead of timers per
   * connection.
   */
  tick(now: number): void {
    if (this.#ended) return;
    expireBatch(this.#ctx, now);
    const limits = this.#host.info.limits;
    if (this.#pipe) {
      if (this.#mode === "irc" && this.#pipe.silent(now, this.#lastActivity, limits)) {
        this.terminate("The server node of this session stopped answering");
      }
      return;
    }
    if (this.#mode === "unknown" && now - this.connectedAt >= limits.plainTextAfterMs) {
      this.#openPlainDoor();
    }
    const deadline = this.user.nickDeadline;
    if (deadline !== undefined && now >= deadline) {
      const { hub, stores, info } = this.#host;
      enforceNick(this.user, hub, stores.accounts, info).catch((err) => this.#crash(err, "tick"));
    }
    if (!this.user.registered) {
      if (now - this.connectedAt > limits.registrationTimeoutMs) {
        this.terminate("Registration timed out");
      }
      return;
    }
    if (this.#mode === "plain") return; // netcat users never answer PING; TCP keepalive instead
    if (this.#pingSentAt === undefined) {
      if (now - this.#lastActivity > limits.pingIntervalMs) {
        this.#pingSentAt = now;
        this.#ctx.sendFromServer("PING", [this.#host.info.name]);
      }
    } else if (now - this.#pingSentAt > limits.pingTimeoutMs) {
      this.terminate(`Ping timeout: ${Math.round((now - this.#lastActivity) / 1000)} seconds`);
    }
  }

  /** LineHandler: one line from the client. */
  line(line: string): void {
    if (this.#ended) return;
    const now = Date.now();
    this.#lastActivity = now;
    this.#pingSentAt = undefined;
    // Fast path: nothing queued and within the flood limits.
    if (!this.#pumping && this.#floodDelay(line, now) === 0) {
      const pending = this.#step(line);
      if (pending) {
        this.#pumping = true;
        pending.then(() => this.#pump());
      }
      return;
    }
    (this.#queue ??= []).push(line);
    this.#queuedBytes += line.length;
    if (this.#queuedBytes > this.#host.info.limits.recvqBytes) {
      this.terminate("Excess flood");
      return;
    }
    if (!this.#pumping) this.#pump();
  }

  /** 0 when `line` may run now (using up a token), else the milliseconds to wait. */
  #floodDelay(line: string, now: number): number {
    // a moved connection's lines are paced here too: a flood never piles up in the op queue
    const exempt = this.user.hasPrivilege("bypass-limits");
    if (!this.#flood || !(this.user.registered || this.#pipe) || exempt) return 0;
    if (/^pong\b/i.test(line)) return 0; // answering the server's PING is never a flood
    if (this.#batchPacing?.free(line)) return 0; // its BATCH line paid for it
    const delay = this.#flood.take(now);
    if (delay === 0 && line.includes("multiline")) {
      (this.#batchPacing ??= new BatchPacing()).paid(line);
    }
    return delay;
  }

  /** Runs queued lines in order, waiting for async commands and for flood-control tokens. */
  #pump(): void {
    this.#pumping = true;
    for (let line = this.#queue?.[0]; line !== undefined && !this.#ended; line = this.#queue?.[0]) {
      const delay = this.#floodDelay(line, Date.now());
      if (delay > 0) {
        this.#pumpTimer = setTimeout(() => this.#pump(), delay);
        return;
      }
      this.#queue?.shift();
      this.#queuedBytes -= line.length;
      const pending = this.#step(line);
      if (pending) {
        pending.then(() => this.#pump());
        return;
      }
    }
    this.#pumping = false;
    this.#queue = undefined;
  }

  /** LineHandler: a line over the length limit was dropped. */
  tooLong(): void {
    if (this.#pipe) this.#pipe.tooLong();
    else if (this.#mode === "plain") {
      this.connection.send(encoder.encode("! That line was too long and was not sent.\r\n"));
    } else {
      this.#ctx.reply(N.ERR_INPUTTOOLONG, "Input line was too long");
    }
  }

  /** LineHandler: a line that was not UTF-8, refused in its turn (`NOT_UTF8`). */
  invalidUtf8(text: string): void {
    this.line(NOT_UTF8 + text);
  }

  /** Handles one line; returns a promise when an async command is still running. */
  #step(line: string): void | Promise<void> {
    if (this.#pipe) return this.#pipe.line(line);
    try {
      const invalid = line.startsWith(NOT_UTF8);
      if (invalid) line = line.slice(NOT_UTF8.length);
      if (this.#mode === "unknown") {
        const first = parseMessage(line);
        if (first && IRC_OPENERS.has(first.command)) this.#mode = "irc";
        else this.#openPlainDoor();
      }
      if (invalid) {
        if (this.#mode === "plain") this.connection.send(encoder.encode(PLAIN_NOT_UTF8));
        else refuseInvalidUtf8(this.#ctx, line);
        return;
      }
      if (this.#mode === "plain") return this.#plainLine(line);
      const message = parseMessage(line);
      if (!message) return;
      // a line of the client's multiline batch is collected, not run (commands/batch.ts)
      if (message.tags?.batch !== undefined && this.user.registered) {
        return batchLine(this.#ctx, message);
      }
      const open = this.session.batch;
      // a multiline batch's label is answered when it closes (with the echo, on its BATCH line)
      const label = message.tags?.label ??
        (message.command === "BATCH" && message.params[0] === `-${open?.ref}`
          ? open?.label
          : undefined);
      if (label === undefined || !this.session.caps.has("labeled-response")) {
        const result = dispatch(this.#host.commands, this.#ctx, message);
        if (result) return result.catch((err) => this.#crash(err, message.command));
        return;
      }
      return (this.#labels ??= new LabeledRuns(this.#labelHost())).run(message, label);
    } catch (err) {
      if (this.#labels) this.#labels.current = undefined;
      this.#crash(err, line.slice(0, 20));
    }
  }

  /** What this connection's labeled commands need of it (labeled_run.ts). */
  #labelHost(): LabeledHost {
    return {
      ctx: this.#ctx,
      commands: this.#host.commands,
      deliver: (out) => this.#deliver(out),
      crash: (err, what) => this.#crash(err, what),
      ended: () => this.#ended,
    };
  }

  #openPlainDoor(): void {
    this.#mode = "plain";
    this.session.plainText = true;
    this.#plain = new PlainTextView();
    for (const line of this.#plain.greeting(this.#host.info.name)) {
      this.connection.send(encoder.encode(line + "\r\n"));
    }
  }

  async #plainLine(line: string): Promise<void> {
    const plain = this.#plain!;
    // Before a nick is chosen, an IRC client that was slow to speak still gets IRC.
    const asIrc = plain.choosingNick && parseMessage(line);
    if (asIrc && IRC_OPENERS.has(asIrc.command) && line.includes(" ")) {
      this.#mode = "irc";
      return this.#run(asIrc);
    }
    const wasRegistered = this.user.registered;
    const { send, show } = plain.input(line, this.user);
    for (const text of show) this.connection.send(encoder.encode(text + "\r\n"));
    for (const message of send) await this.#run(message);
    if (!wasRegistered && this.user.registered) {
      await this.#run(msg("JOIN", [this.#host.info.defaultChannel]));
    }
  }

  async #run(message: Message): Promise<void> {
    try {
      await dispatch(this.#host.commands, this.#ctx, message);
    } catch (err) {
      this.#crash(err, message.command);
    }
  }

  #crash(err: unknown, what: string): void {
    if (isSqliteError(err)) {
      // the database failed (locked by another process, an I/O error), not this client
      this.#host.info.log.warn(
        `${this.connection.peer} (${this.user.nick}): ${what}: the database failed: ` +
          errorMessage(err),
      );
      this.#ctx.notice("*** The server's database is unavailable right now; try again later");
      return;
    }
    const detail = err instanceof Error ? err.stack ?? err.message : String(err);
    this.#host.info.log.error(
      `${this.connection.peer} (${this.user.nick}) failed on ${what}: ${detail}`,
    );
    this.terminate("Internal error");
  }
}
