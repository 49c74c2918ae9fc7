/**
 * A minimal IRC-over-WebSocket client for tests: Deno's WebSocket, one line per message, and
 * `expect` with a deadline, like `TestClient` for TCP.
 *
 * @module
 */

import { type Message, parseMessage } from "../../protocol/message.ts";
import { DEADLINE_MS, type Matcher } from "../../scripts/support/irc_client.ts";

/** One received message and its frame type. */
export interface Received {
  line: string;
  binary: boolean;
}

/** Why a WebSocket handshake failed, as far as the client can tell. */
export class HandshakeError extends Error {
  override name = "HandshakeError";
}

/** A connected WebSocket test client. */
export class WsTestClient {
  readonly socket: WebSocket;
  readonly received: Received[] = [];
  nick = "*";
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #closed = false;
  readonly #closedPromise: Promise<void>;
  /** Send binary frames instead of text ones. */
  binary = false;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.binaryType = "arraybuffer";
    socket.addEventListener("message", (e) => {
      const binary = e.data instanceof ArrayBuffer;
      const line = binary ? new TextDecoder().decode(e.data) : String(e.data);
      this.received.push({ line, binary });
      this.#wake();
    });
    this.#closedPromise = new Promise((resolve) => {
      socket.addEventListener("close", () => {
        this.#closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  /**
   * Opens `url` offering `protocols`; resolves once open, throws `HandshakeError` when the server
   * refuses (Deno reports the HTTP status in the error's message).
   */
  static connect(
    url: string,
    protocols: string[] = ["text.ircv3.net"],
    headers: Record<string, string> = {},
    caCerts?: string[],
  ): Promise<WsTestClient> {
    // Deno's WebSocket takes headers (and a client for custom CAs) as a non-standard option.
    const options: Record<string, unknown> = { protocols, headers };
    if (caCerts) options.client = Deno.createHttpClient({ caCerts });
    const socket = new WebSocket(url, options as unknown as string[]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.close();
        reject(new HandshakeError(`no answer from ${url}`));
      }, DEADLINE_MS);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        resolve(new WsTestClient(socket));
      }, { once: true });
      socket.addEventListener("error", (e) => {
        clearTimeout(timer);
        reject(new HandshakeError((e as ErrorEvent).message ?? "WebSocket error"));
      }, { once: true });
    });
  }

  /** Connects and registers, waiting for the end of the MOTD. */
  static async register(
    url: string,
    nick: string,
    protocols: string[] = ["text.ircv3.net"],
    headers: Record<string, string> = {},
    caCerts?: string[],
  ): Promise<WsTestClient> {
    const c = await WsTestClient.connect(url, protocols, headers, caCerts);
    c.binary = protocols[0] === "binary.ircv3.net";
    c.send(`NICK ${nick}`);
    c.send(`USER ${nick} 0 * :${nick} on the web`);
    await c.expect("001");
    await c.expect((m) => m.command === "376" || m.command === "422");
    c.nick = nick;
    return c;
  }

  /** The subprotocol the server chose ("" for none). */
  get protocol(): string {
    return this.socket.protocol;
  }

  /** Sends one line as one message (text or binary frame), without CR/LF. */
  send(line: string): void {
    this.socket.send(this.binary ? new TextEncoder().encode(line) : line);
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Waits for the next message (after the last match) satisfying `test`. */
  async expectReceived(
    test: (r: Received) => boolean,
    timeoutMs = DEADLINE_MS,
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const r of this.received.slice(this.#cursor)) {
        this.#cursor++;
        if (test(r)) return r;
      }
      const left = deadline - Date.now();
      if (this.#closed || left <= 0) {
        const recent = this.received.slice(-15).map((r) => r.line).join("\n  ");
        throw new Error(
          `${this.nick} (ws): ${
            this.#closed ? "closed" : "timed out"
          } waiting for ${test}\n  ${recent}`,
        );
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Like `TestClient.expect`, on parsed messages. */
  async expect(matcher: Matcher, timeoutMs = DEADLINE_MS): Promise<Message> {
    const r = await this.expectReceived((r) => {
      const m = parseMessage(r.line);
      if (!m) return false;
      return typeof matcher === "string" ? m.command === matcher : matcher(m);
    }, timeoutMs);
    return parseMessage(r.line)!;
  }

  /** Resolves when the connection has closed. */
  async closed(timeoutMs = DEADLINE_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#closedPromise,
      new Promise((_, reject) =>
        timer = setTimeout(() => reject(new Error(`${this.nick} (ws): still open`)), timeoutMs)
      ),
    ]);
    clearTimeout(timer);
  }

  /** Closes and waits for the close to complete (bounded). */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      this.socket.close();
    } catch { /* closing already */ }
    await this.closed().catch(() => {});
  }
}

/** A frame the server sent. */
export interface ServerFrame {
  opcode: number;
  payload: Uint8Array;
}

/**
 * A WebSocket client on a raw TCP socket, for what a browser never sends: bad versions, unmasked
 * or oversized frames. It writes the handshake and the frames it is given as they are, and reads
 * the server's answer, frames and end of stream with deadlines.
 */
export class RawWsClient {
  readonly conn: Deno.TcpConn;
  #buf = new Uint8Array(0);
  #eof = false;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /**
   * Connects and sends an upgrade request with `fields` added (or replacing the defaults); returns
   * the client and the response's status line and lower-cased fields.
   */
  static async handshake(
    port: number,
    fields: Record<string, string> = {},
  ): Promise<{ client: RawWsClient; status: string; fields: Record<string, string> }> {
    const client = new RawWsClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    const all: Record<string, string> = {
      Host: `127.0.0.1:${port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
      "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Protocol": "text.ircv3.net",
      ...fields,
    };
    const head = Object.entries(all).map(([k, v]) => `${k}: ${v}\r\n`).join("");
    await client.write(new TextEncoder().encode(`GET / HTTP/1.1\r\n${head}\r\n`));
    const text = await client.#readHead();
    const [status = "", ...lines] = text.split("\r\n");
    const got: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      got[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { client, status, fields: got };
  }

  /** Writes bytes as they are; false when the server has closed the connection. */
  async write(bytes: Uint8Array): Promise<boolean> {
    try {
      while (bytes.length > 0) bytes = bytes.subarray(await this.conn.write(bytes));
      return true;
    } catch {
      return false;
    }
  }

  /** Reads more bytes before the deadline; false at the end of the stream (or a reset). */
  async #fill(deadline: number): Promise<boolean> {
    if (this.#eof) return false;
    const chunk = new Uint8Array(16 * 1024);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      this.conn.read(chunk).catch(() => null),
      new Promise<"late">((r) => timer = setTimeout(() => r("late"), deadline - Date.now())),
    ]);
    clearTimeout(timer);
    if (n === "late") throw new Error("the server neither answered nor closed in time");
    if (n === null) {
      this.#eof = true;
      return false;
    }
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
    return true;
  }

  async #readHead(): Promise<string> {
    const deadline = Date.now() + DEADLINE_MS;
    for (;;) {
      const text = new TextDecoder().decode(this.#buf);
      const end = text.indexOf("\r\n\r\n");
      if (end !== -1) {
        this.#buf = this.#buf.subarray(new TextEncoder().encode(text.slice(0, end + 4)).length);
        return text.slice(0, end);
      }
      if (!await this.#fill(deadline)) return text;
    }
  }

  /** The next frame the server sends, or undefined when the stream ends first. */
  async readFrame(timeoutMs = DEADLINE_MS): Promise<ServerFrame | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const b = this.#buf;
      if (b.length >= 2) {
        const code = b[1]! & 0x7f;
        const at = code === 126 ? 4 : code === 127 ? 10 : 2;
        if (b.length >= at) {
          const view = new DataView(b.buffer, b.byteOffset);
          const length = code === 126
            ? view.getUint16(2)
            : code === 127
            ? Number(view.getBigUint64(2))
            : code;
          if (b.length >= at + length) {
            this.#buf = b.subarray(at + length);
            return { opcode: b[0]! & 0x0f, payload: b.slice(at, at + length) };
          }
        }
      }
      if (!await this.#fill(deadline)) return undefined;
    }
  }

  /**
   * Reads until the server's close frame and the end of the stream; returns the close code and
   * the data frames before it.
   */
  async expectClose(timeoutMs = DEADLINE_MS): Promise<{ code: number; before: ServerFrame[] }> {
    const deadline = Date.now() + timeoutMs;
    const before: ServerFrame[] = [];
    for (;;) {
      const frame = await this.readFrame(deadline - Date.now());
      if (!frame) throw new Error("the stream ended without a close frame");
      if (frame.opcode !== 0x8) {
        before.push(frame);
        continue;
      }
      const code = frame.payload.length >= 2 ? (frame.payload[0]! << 8) | frame.payload[1]! : 1005;
      await this.expectEnd(deadline - Date.now());
      return { code, before };
    }
  }

  /** Waits for the end of the stream, ignoring what comes before it. */
  async expectEnd(timeoutMs = DEADLINE_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.#buf = new Uint8Array(0);
    while (await this.#fill(deadline)) this.#buf = new Uint8Array(0);
  }

  close(): void {
    try {
      this.conn.close();
    } catch { /* closed */ }
  }
}
