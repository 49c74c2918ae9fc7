/**
 * A `ClientConnection` over a WebSocket (IRCv3 `websocket`): each message is one IRC line without
 * CR/LF, in text frames (`text.ircv3.net`: one that is not UTF-8 closes the connection with 1007,
 * as RFC 6455 requires) or binary frames (`binary.ircv3.net`: a line that is not UTF-8 is refused
 * as on TCP). Frames are read with `FrameReader`, so a message is capped at
 * `MAX_MESSAGE_BYTES` before it is buffered, and the same line limits as TCP apply inside it (417
 * beyond them). Frames go out through an `Outbox`, with the same sendq as TCP.
 *
 * @module
 */

import {
  CLIENT_LINE_LIMITS,
  deliverLine,
  exceedsLimits,
  type LineHandler,
} from "../protocol/lines.ts";
import { concat } from "../util/bytes.ts";
import type { ByteStream } from "./byte_stream.ts";
import { type ClientConnection, formatPeer } from "./connection.ts";
import { Outbox, type OutboxEvents } from "./outbox.ts";
import {
  CLOSE,
  closePayload,
  encodeFrame,
  type FrameEvent,
  FrameReader,
  OPCODE,
} from "./websocket_frames.ts";
import { splitLines, type WebSocketMode } from "./websocket_protocol.ts";
import { errorMessage } from "../util/error_message.ts";

/** How one WebSocket connection behaves. */
export interface WebSocketConnectionOptions {
  mode: WebSocketMode;
  /** Served over TLS (wss:). */
  secure: boolean;
  /** Bytes queued unsent before the client is cut off. */
  sendq: number;
  /** The client, when not the peer: a trusted reverse proxy named it (forwarded.ts). */
  remote?: Deno.NetAddr;
}

/** Like StreamConnection's: small while idle, bigger once a read fills it. */
const READ_BUFFER_START = 512;
const READ_BUFFER_BUSY = 4096;

const encoder = new TextEncoder();
const decoder = new TextDecoder(); // not fatal: invalid UTF-8 becomes U+FFFD

/** Whether every byte is ASCII (then the bytes are valid UTF-8 as they are). */
function ascii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return false;
  return true;
}

/** One accepted WebSocket client. */
export class WebSocketConnection implements ClientConnection {
  hostname: string;
  readonly peer: string;
  readonly secure: boolean;
  /** A browser page speaks IRC from the first frame: no plain-text door here. */
  readonly canBePlainText = false;
  readonly #stream: ByteStream;
  readonly #mode: WebSocketMode;
  readonly #outbox: Outbox;
  /** Bytes received with the handshake, after its head: the first frames. */
  #early: Uint8Array;
  /** Our close frame is queued: nothing more is sent. */
  #closeSent = false;
  #closed = false;

  constructor(
    stream: ByteStream,
    options: WebSocketConnectionOptions,
    events: OutboxEvents,
    early: Uint8Array = new Uint8Array(0),
  ) {
    this.#stream = stream;
    const remote = options.remote ?? stream.remoteAddr;
    this.hostname = remote.hostname;
    this.peer = formatPeer(remote);
    this.secure = options.secure;
    this.#mode = options.mode;
    this.#early = early;
    stream.setNoDelay?.(true);
    this.#outbox = new Outbox(stream, options.sendq, events);
  }

  async readLines(handler: LineHandler): Promise<string> {
    const reader = new FrameReader();
    let ended: string | undefined;
    const emit = (event: FrameEvent) => {
      switch (event.kind) {
        case "message":
          if (!this.#closeSent) this.#lines(event.data, handler);
          break;
        case "ping":
          if (!this.#closeSent) this.#outbox.push(encodeFrame(OPCODE.pong, event.data));
          break;
        case "pong":
          break;
        case "close":
          this.#sendClose(event.code ?? CLOSE.normal);
          ended = "Connection closed";
          break;
        case "error":
          this.#sendClose(event.code, event.reason);
          ended = `WebSocket error: ${event.reason}`;
          break;
      }
    };
    const early = this.#early;
    this.#early = new Uint8Array(0);
    if (!reader.push(early, emit)) return ended!;
    let buf = new Uint8Array(READ_BUFFER_START);
    try {
      for (;;) {
        if (this.#closed) return "Connection closed";
        const n = await this.#stream.read(buf);
        if (n === null) return "Connection closed";
        if (!reader.push(buf.subarray(0, n), emit)) return ended!;
        if (n === buf.length && buf.length < READ_BUFFER_BUSY) {
          buf = new Uint8Array(READ_BUFFER_BUSY);
        }
      }
    } catch (err) {
      if (this.#closed) return "Connection closed";
      return `Read error: ${errorMessage(err)}`;
    }
  }

  /** One message: lines for the session, each held to the IRC line limits. */
  #lines(data: Uint8Array, handler: LineHandler): void {
    for (const line of splitLines(data)) {
      if (exceedsLimits(line, CLIENT_LINE_LIMITS)) handler.tooLong();
      else deliverLine(line, handler);
      if (this.#closed || this.#closeSent) return;
    }
  }

  send(bytes: Uint8Array): void {
    if (this.#closeSent) return;
    const frames = this.#frames(bytes);
    if (frames.length > 0) this.#outbox.push(frames);
  }

  drained(below: number): Promise<void> | undefined {
    return this.#outbox.pendingBytes <= below ? undefined : this.#outbox.drained(below);
  }

  resume(first?: Uint8Array): void {
    this.#outbox.resume(first && this.#frames(first));
  }

  finish(last: Uint8Array): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#outbox.finish(
      concat([this.#frames(last), encodeFrame(OPCODE.close, closePayload(CLOSE.normal))]),
    );
  }

  async close(flushMs: number): Promise<void> {
    if (this.#closed) return;
    this.#sendClose(CLOSE.normal);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#outbox.drained(),
      new Promise<void>((resolve) => timer = setTimeout(resolve, flushMs)),
    ]);
    clearTimeout(timer);
    this.#closed = true;
    this.#outbox.stop();
    try {
      this.#stream.close();
    } catch { /* closed by the peer */ }
  }

  /** Queues our close frame once; nothing is sent after it. */
  #sendClose(code: number, reason = ""): void {
    if (this.#closeSent) return;
    this.#closeSent = true;
    this.#outbox.finish(encodeFrame(OPCODE.close, closePayload(code, reason)));
  }

  /** CRLF-terminated lines as one buffer of frames, one line each, in this connection's type. */
  #frames(bytes: Uint8Array): Uint8Array {
    const binary = this.#mode === "binary";
    const frames = splitLines(bytes).map((line) =>
      encodeFrame(
        binary ? OPCODE.binary : OPCODE.text,
        // text frames must be UTF-8: what is not gets U+FFFD
        binary || ascii(line) ? line : encoder.encode(decoder.decode(line)),
      )
    );
    const [only, ...more] = frames;
    return only !== undefined && more.length === 0 ? only : concat(frames);
  }
}
