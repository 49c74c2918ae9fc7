/**
 * A minimal IRC client for tests and dev scripts: real TCP, our own framer and parser, and
 * `expect` that waits for a matching message with a deadline (never a sleep).
 *
 * @module
 */

import { LineFramer, SERVER_LINE_LIMITS } from "../../protocol/lines.ts";
import { type Message, parseMessage } from "../../protocol/message.ts";

/** How long `expect` waits by default. */
export const DEADLINE_MS = 5000;

/** Matches a message: a command/numeric, or a predicate. */
export type Matcher = string | ((m: Message) => boolean);

const encoder = new TextEncoder();

function matches(matcher: Matcher, m: Message): boolean {
  return typeof matcher === "string" ? m.command === matcher : matcher(m);
}

/** A connected test client. */
export class TestClient {
  readonly conn: Deno.TcpConn | Deno.TlsConn;
  /** Every line received, in order. */
  readonly lines: string[] = [];
  /** When each line arrived (`performance.now()`), parallel to `lines`. */
  readonly arrivals: number[] = [];
  /** Lines received, including discarded ones, and the latest one. */
  received = 0;
  lastLine = "";
  #discard = false;
  #cursor = 0;
  #waiters: (() => void)[] = [];
  #eof = false;
  #paused: Promise<void> | undefined;
  #resume: (() => void) | undefined;
  readonly #reading: Promise<void>;
  nick = "*";

  private constructor(conn: Deno.TcpConn | Deno.TlsConn) {
    this.conn = conn;
    this.#reading = this.#read();
  }

  /** A client over a connection opened elsewhere (one that sent a PROXY header first, say). */
  static wrap(conn: Deno.TcpConn | Deno.TlsConn): TestClient {
    return new TestClient(conn);
  }

  /** Connects to a loopback port. */
  static async connect(port: number, hostname = "127.0.0.1"): Promise<TestClient> {
    return new TestClient(await Deno.connect({ hostname, port }));
  }

  /**
   * Connects with TLS, trusting `caCerts` (PEM), presenting the client certificate `identity`
   * when given (PEM certificate and key); the handshake must succeed.
   */
  static async connectTls(
    port: number,
    caCerts: string[],
    hostname = "127.0.0.1",
    identity?: { cert: string; key: string },
  ): Promise<TestClient> {
    const conn = await Deno.connectTls({ hostname, port, caCerts, ...identity });
    await conn.handshake();
    return new TestClient(conn);
  }

  /** Connects and registers with NICK/USER (and optional CAP REQ), waiting for the MOTD end. */
  static async register(port: number, nick: string, caps: string[] = []): Promise<TestClient> {
    const c = await TestClient.connect(port);
    await c.registerAs(nick, caps);
    return c;
  }

  /** Registers this connection (any transport) like `register`. */
  async registerAs(nick: string, caps: string[] = []): Promise<void> {
    if (caps.length > 0) {
      await this.send(`CAP LS 302`);
      await this.send(`CAP REQ :${caps.join(" ")}`);
      await this.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
      await this.send("CAP END");
    }
    await this.send(`NICK ${nick}`);
    await this.send(`USER ${nick} 0 * :${nick} tester`);
    await this.expect("001");
    await this.expect((m) => m.command === "376" || m.command === "422");
    this.nick = nick;
  }

  async #read(): Promise<void> {
    const framer = new LineFramer(SERVER_LINE_LIMITS);
    const buf = new Uint8Array(16384);
    const handler = {
      line: (l: string) => {
        this.received++;
        this.lastLine = l;
        if (this.#discard) return;
        this.lines.push(l);
        this.arrivals.push(performance.now());
      },
      tooLong: () => this.lines.push("<too long>"),
    };
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        framer.push(buf.subarray(0, n), handler);
        this.#wake();
        if (this.#paused) await this.#paused;
      }
    } catch { /* reset or closed by us */ }
    this.#eof = true;
    this.#wake();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  /** Keeps reading but stores no more lines (bulk receivers in load tests). */
  discardLines(): void {
    this.#discard = true;
  }

  /** Stops reading from the socket (after the read in progress), like a stalled client. */
  pauseReading(): void {
    this.#paused ??= new Promise((resolve) => this.#resume = resolve);
  }

  /** Reads again after `pauseReading`. */
  resumeReading(): void {
    const resume = this.#resume;
    this.#paused = this.#resume = undefined;
    resume?.();
  }

  /** Sends one line (CRLF added). */
  async send(line: string): Promise<void> {
    const bytes = encoder.encode(line + "\r\n");
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Sends raw bytes as they are. */
  async sendRaw(bytes: Uint8Array): Promise<void> {
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /**
   * Waits for the next line (after the last one matched) that satisfies `test`, skipping others.
   * Throws with the recent lines when the deadline passes or the connection ends first.
   */
  async expectLine(test: (line: string) => boolean, timeoutMs = DEADLINE_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines.slice(this.#cursor)) {
        this.#cursor++;
        if (test(line)) return line;
      }
      const left = deadline - Date.now();
      if (this.#eof || left <= 0) {
        const recent = this.lines.slice(-15).join("\n  ");
        throw new Error(
          `${this.nick}: ${
            this.#eof ? "connection closed" : "timed out"
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

  /** Waits until `condition` (looking at anything, e.g. all `lines`) holds, re-checking on input. */
  async until(condition: () => boolean, what: string, timeoutMs = DEADLINE_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (this.#eof || left <= 0) {
        throw new Error(
          `${this.nick}: ${this.#eof ? "connection closed" : "timed out"} waiting until ${what}`,
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

  /** Like `expectLine`, on parsed messages. */
  async expect(matcher: Matcher, timeoutMs = DEADLINE_MS): Promise<Message> {
    const line = await this.expectLine((l) => {
      const m = parseMessage(l);
      return m !== undefined && matches(matcher, m);
    }, timeoutMs);
    return parseMessage(line)!;
  }

  /**
   * Round-trips a PING so every reply to what was sent before has arrived; returns the messages
   * received since the last match, up to the PONG.
   */
  async sync(): Promise<Message[]> {
    const start = this.#cursor;
    const token = `sync${crypto.randomUUID().slice(0, 8)}`;
    await this.send(`PING ${token}`);
    await this.expect((m) => m.command === "PONG" && m.params.at(-1) === token);
    return this.lines.slice(start, this.#cursor - 1).map((l) => parseMessage(l)!);
  }

  /** Resolves when the server closes the connection. */
  async closed(timeoutMs = DEADLINE_MS): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.nick}: still open`)), timeoutMs);
    });
    try {
      await Promise.race([this.#reading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the socket and waits for the reader to stop. */
  async close(): Promise<void> {
    this.#resume?.();
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.#reading;
  }
}
