/**
 * A `ClientConnection` over a WebSocket (IRCv3 `websocket`): each message is one IRC line without
 * CR/LF, in text frames (`text.ircv3.net`, invalid UTF-8 replaced) or binary frames
 * (`binary.ircv3.net`). The same line limits as TCP apply (417 beyond them), and the socket's
 * `bufferedAmount` is the send queue held against the sendq limit.
 *
 * @module
 */

import {
  CLIENT_LINE_LIMITS,
  decodeLine,
  exceedsLimits,
  type LineHandler,
} from "../protocol/lines.ts";
import { type ClientConnection, formatPeer } from "./connection.ts";
import type { OutboxEvents } from "./outbox.ts";
import { splitLines, type WebSocketMode } from "./websocket_protocol.ts";

/** What the connection uses of a WebSocket: Deno's, or a test double. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  binaryType: BinaryType;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** How one WebSocket connection behaves. */
export interface WebSocketConnectionOptions {
  mode: WebSocketMode;
  /** Served over TLS (wss:). */
  secure: boolean;
  /** Bytes the socket may hold unsent before the client is cut off. */
  sendq: number;
}

const OPEN = 1;
/** How often `close` looks whether the socket has sent what it holds. */
const DRAIN_POLL_MS = 20;
/** How long `close` waits for the peer's close frame after sending ours. */
const CLOSE_WAIT_MS = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder(); // not fatal: invalid UTF-8 becomes U+FFFD

/** One accepted WebSocket client. */
export class WebSocketConnection implements ClientConnection {
  readonly hostname: string;
  readonly peer: string;
  readonly secure: boolean;
  /** A browser page speaks IRC from the first frame: no plain-text door here. */
  readonly canBePlainText = false;
  readonly #socket: WebSocketLike;
  readonly #mode: WebSocketMode;
  readonly #sendq: number;
  readonly #events: OutboxEvents;
  #handler: LineHandler | undefined;
  /** Messages that arrived before `readLines`. */
  #early: (string | ArrayBuffer)[] = [];
  #finishing = false;
  #closing = false;
  /** Lines queued in this task, sent together at its end (like the TCP outbox). */
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  /** `beforeWrite` said no: the pending lines wait for `resume`. */
  #held = false;
  #ended: string | undefined;
  #resolveEnded!: (reason: string) => void;
  readonly #endedPromise: Promise<string>;

  constructor(
    socket: WebSocketLike,
    remote: Deno.NetAddr,
    options: WebSocketConnectionOptions,
    events: OutboxEvents,
  ) {
    this.#socket = socket;
    this.hostname = remote.hostname;
    this.peer = formatPeer(remote);
    this.secure = options.secure;
    this.#mode = options.mode;
    this.#sendq = options.sendq;
    this.#events = events;
    this.#endedPromise = new Promise((resolve) => this.#resolveEnded = resolve);
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (e) => this.#onMessage((e as MessageEvent).data));
    socket.addEventListener("close", () => this.#end("Connection closed"));
    socket.addEventListener("error", (e) => {
      const message = (e as ErrorEvent).message;
      this.#end(message ? `Read error: ${message}` : "Connection closed");
    });
  }

  readLines(handler: LineHandler): Promise<string> {
    this.#handler = handler;
    const early = this.#early;
    this.#early = [];
    for (const data of early) this.#onMessage(data);
    return this.#endedPromise;
  }

  send(bytes: Uint8Array): void {
    if (this.#finishing) return;
    if (this.#socket.bufferedAmount + this.#pendingBytes + bytes.length > this.#sendq) {
      this.#finishing = true;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#events.overflow();
      return;
    }
    this.#queue(bytes);
  }

  /** Polls `bufferedAmount`, as `close` does: a WebSocket tells nobody when it has sent. */
  drained(below: number): Promise<void> | undefined {
    const waiting = () =>
      !this.#finishing && this.#socket.readyState === OPEN &&
      this.#socket.bufferedAmount + this.#pendingBytes > below;
    if (!waiting()) return undefined;
    return (async () => {
      while (waiting()) await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    })();
  }

  finish(last: Uint8Array): void {
    if (this.#closing) return;
    this.#finishing = true;
    this.#queue(last);
  }

  #queue(bytes: Uint8Array): void {
    // binary frames hand out the bytes themselves: take them as they are now
    this.#pending.push(this.#mode === "binary" ? bytes.slice() : bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pending.length === 1 && !this.#held) queueMicrotask(() => this.#flush());
  }

  resume(first?: Uint8Array): void {
    if (!this.#held) return;
    this.#held = false;
    if (first) {
      this.#pending.unshift(first);
      this.#pendingBytes += first.length;
    }
    if (this.#pending.length > 0) queueMicrotask(() => this.#flush());
  }

  #flush(): void {
    if (this.#held || this.#pending.length === 0) return;
    if (this.#events.beforeWrite?.() === false) {
      this.#held = true;
      return;
    }
    const pending = this.#pending;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const bytes of pending) this.#write(bytes);
  }

  async close(flushMs: number): Promise<void> {
    if (this.#closing) return;
    this.#flush();
    this.#closing = true;
    this.#finishing = true;
    const deadline = Date.now() + flushMs;
    while (
      this.#socket.readyState === OPEN && this.#socket.bufferedAmount > 0 &&
      Date.now() < deadline
    ) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    try {
      this.#socket.close(1000);
    } catch { /* already closed */ }
    // The close event ends `readLines`; a peer that never answers must not hold us up.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#endedPromise,
      new Promise((r) => timer = setTimeout(r, CLOSE_WAIT_MS)),
    ]);
    clearTimeout(timer);
    this.#end("Connection closed");
  }

  #write(bytes: Uint8Array): void {
    if (this.#socket.readyState !== OPEN) return;
    try {
      for (const line of splitLines(bytes)) {
        // Outgoing bytes may be shared with other recipients: binary frames get their own copy.
        this.#socket.send(this.#mode === "binary" ? line.slice() : decoder.decode(line));
      }
    } catch (err) {
      this.#finishing = true;
      this.#events.error(err);
    }
  }

  #onMessage(data: unknown): void {
    if (this.#ended !== undefined) return;
    if (typeof data !== "string" && !(data instanceof ArrayBuffer)) return;
    const handler = this.#handler;
    if (!handler) {
      this.#early.push(data);
      return;
    }
    const bytes = typeof data === "string" ? encoder.encode(data) : new Uint8Array(data);
    for (const line of splitLines(bytes)) {
      if (exceedsLimits(line, CLIENT_LINE_LIMITS)) handler.tooLong();
      else handler.line(decodeLine(line));
      if (this.#ended !== undefined) return;
    }
  }

  #end(reason: string): void {
    if (this.#ended !== undefined) return;
    this.#ended = reason;
    this.#resolveEnded(reason);
  }
}
