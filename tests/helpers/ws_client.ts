/**
 * A minimal IRC-over-WebSocket client for tests: Deno's WebSocket, one line per message, and
 * `expect` with a deadline, like `TestClient` for TCP.
 *
 * @module
 */

import { type Message, parseMessage } from "../../protocol/message.ts";
import { DEADLINE_MS, type Matcher } from "./irc_client.ts";

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
      while (this.#cursor < this.received.length) {
        const r = this.received[this.#cursor++];
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
