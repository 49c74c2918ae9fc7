/**
 * The socket side of one client. `ClientConnection` is what a session needs from any transport;
 * `StreamConnection` implements it for TCP and TLS streams: reading into a small reused buffer,
 * framing lines in place, and the outbox. Sessions never touch sockets themselves.
 *
 * @module
 */

import { CLIENT_LINE_LIMITS, LineFramer, type LineHandler } from "../protocol/lines.ts";
import type { ByteStream } from "./byte_stream.ts";
import { looksLikeProxyHeader } from "./proxy_protocol.ts";
import { Outbox, type OutboxEvents } from "./outbox.ts";
import { errorMessage } from "../util/error_message.ts";

/**
 * The read buffer starts small, because most connections are idle and each one holds its
 * buffer in a pending read, and grows once a read fills it: a 4 KiB buffer measured 15–40%
 * faster than 1 KiB for busy connections (see NOTES).
 */
const READ_BUFFER_START = 512;
const READ_BUFFER_BUSY = 4096;

/**
 * Why a connection that opens with a PROXY header it may not send is closed: only trusted proxies'
 * (`--proxy-from`) are read, before the connection is served.
 */
export const UNTRUSTED_PROXY = "PROXY header from an untrusted address";

/** What a session needs from a client's transport (TCP, TLS, or a WebSocket). */
export interface ClientConnection {
  /** Remote IP address: the client's, named by a trusted proxy or gateway (WEBIRC sets it). */
  hostname: string;
  /** `address:port` for logs. */
  readonly peer: string;
  /** Encrypted (TLS): shown in WHOIS, required for some things. */
  readonly secure: boolean;
  /** SHA-256 fingerprint of the client's TLS certificate (lowercase hex), if it sent one. */
  readonly certFp?: string;
  /** Whether a silent or non-IRC client may be a netcat user (not on WebSockets). */
  readonly canBePlainText: boolean;
  /**
   * The socket is on another cluster node (session_pipes.ts): not counted by this node's
   * admission, and never moved again.
   */
  readonly remote?: boolean;
  /** Reads until the peer goes away, feeding lines to `handler`; resolves with the reason. */
  readLines(handler: LineHandler): Promise<string>;
  /** Queues CRLF-terminated lines (one or more) for sending; never blocks. */
  send(bytes: Uint8Array): void;
  /** Accepts no more `send`s; `last` (an ERROR line) still goes out after what is queued. */
  finish(last: Uint8Array): void;
  /**
   * Undefined when at most `below` bytes wait to be sent, else a promise resolved once that is so
   * or the connection is ending: how a long reply keeps within the sendq.
   */
  drained(below: number): Promise<void> | undefined;

  /**
   * Writes again after `beforeWrite` held the queue back; `first` (a NOTICE) goes out before what
   * waited.
   */
  resume(first?: Uint8Array): void;
  /** Waits (at most `flushMs`) for the queue to drain, then closes. */
  close(flushMs: number): Promise<void>;
}

/** Opens a connection once the session's outbox event handlers exist. */
export type ConnectionOpener = (events: OutboxEvents) => ClientConnection;

/** `address:port`, with brackets for IPv6. */
export function formatPeer(addr: Deno.NetAddr): string {
  return addr.hostname.includes(":")
    ? `[${addr.hostname}]:${addr.port}`
    : `${addr.hostname}:${addr.port}`;
}

/** One accepted TCP or TLS connection (IRC lines over a byte stream). */
export class StreamConnection implements ClientConnection {
  readonly #conn: ByteStream;
  readonly outbox: Outbox;
  hostname: string;
  readonly peer: string;
  readonly secure: boolean;
  readonly canBePlainText = true;
  #closed = false;

  constructor(conn: ByteStream, sendq: number, events: OutboxEvents, secure = false) {
    this.#conn = conn;
    const addr = conn.remoteAddr;
    this.hostname = addr.hostname;
    this.peer = formatPeer(addr);
    this.secure = secure;
    conn.setNoDelay?.(true); // we coalesce writes ourselves
    conn.setKeepAlive?.(true); // finds dead plain-text peers, which are never PINGed
    this.outbox = new Outbox(conn, sendq, events);
  }

  async readLines(handler: LineHandler): Promise<string> {
    const framer = new LineFramer(CLIENT_LINE_LIMITS);
    let buf = new Uint8Array(READ_BUFFER_START);
    let first = true;
    try {
      for (;;) {
        const n = await this.#conn.read(buf);
        if (n === null) return "Connection closed";
        if (first && looksLikeProxyHeader(buf.subarray(0, n))) return UNTRUSTED_PROXY;
        first = false;
        framer.push(buf.subarray(0, n), handler);
        if (this.#closed) return "Connection closed";
        if (n === buf.length && buf.length < READ_BUFFER_BUSY) {
          buf = new Uint8Array(READ_BUFFER_BUSY);
        }
      }
    } catch (err) {
      if (this.#closed) return "Connection closed";
      return `Read error: ${errorMessage(err)}`;
    }
  }

  get certFp(): string | undefined {
    return this.#conn.peerFingerprint?.();
  }

  send(bytes: Uint8Array): void {
    this.outbox.push(bytes);
  }

  finish(last: Uint8Array): void {
    this.outbox.finish(last);
  }

  drained(below: number): Promise<void> | undefined {
    return this.outbox.pendingBytes <= below ? undefined : this.outbox.drained(below);
  }

  resume(first?: Uint8Array): void {
    this.outbox.resume(first);
  }

  async close(flushMs: number): Promise<void> {
    if (this.#closed) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.outbox.drained(),
      new Promise<void>((resolve) => timer = setTimeout(resolve, flushMs)),
    ]);
    clearTimeout(timer);
    this.#closeNow();
  }

  /** Closes at once, dropping whatever is queued. */
  abort(): void {
    this.outbox.stop();
    this.#closeNow();
  }

  #closeNow(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.outbox.stop();
    try {
      this.#conn.close();
    } catch { /* already closed by the peer */ }
  }
}
