/**
 * A test client that keeps what the server wrote as raw bytes: lines are split at LF only, with
 * no decoding and nothing removed, so a test can assert the exact bytes of a line (its length,
 * a CR or NUL inside it) that a framing client would hide.
 *
 * @module
 */

import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const LF = 10;

/** One line as received: everything before its LF (a CR at the end included). */
export interface RawLine {
  bytes: Uint8Array;
  /** The bytes decoded leniently (for matching; assertions on bytes use `bytes`). */
  text: string;
}

/** A connected client that records raw lines. */
export class RawClient {
  readonly conn: Deno.TcpConn;
  readonly lines: RawLine[] = [];
  #rest = new Uint8Array(0);
  #cursor = 0;
  #eof = false;
  #waiters: (() => void)[] = [];
  readonly #reading: Promise<void>;

  private constructor(conn: Deno.TcpConn) {
    this.conn = conn;
    this.#reading = this.#read();
  }

  /** Connects and registers as `nick` (with `user` as the username), asking for `caps`. */
  static async register(
    port: number,
    nick: string,
    options: { user?: string; caps?: string[] } = {},
  ): Promise<RawClient> {
    const c = new RawClient(await Deno.connect({ hostname: "127.0.0.1", port }));
    if (options.caps?.length) await c.send(`CAP REQ :${options.caps.join(" ")}`);
    await c.send(`NICK ${nick}\r\nUSER ${options.user ?? nick} 0 * :${nick}\r\nCAP END`);
    await c.expect((l) => / (376|422) /.test(l.text));
    return c;
  }

  async #read(): Promise<void> {
    const buf = new Uint8Array(16384);
    try {
      for (;;) {
        const n = await this.conn.read(buf);
        if (n === null) break;
        const data = new Uint8Array(this.#rest.length + n);
        data.set(this.#rest);
        data.set(buf.subarray(0, n), this.#rest.length);
        let start = 0;
        for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, start)) {
          const bytes = data.slice(start, nl);
          this.lines.push({ bytes, text: decoder.decode(bytes) });
          start = nl + 1;
        }
        this.#rest = data.slice(start);
        this.#wake();
      }
    } catch { /* closed */ }
    this.#eof = true;
    this.#wake();
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Sends text (CRLF added) or raw bytes (sent as they are). */
  async send(line: string | Uint8Array): Promise<void> {
    const bytes = typeof line === "string" ? encoder.encode(line + "\r\n") : line;
    let off = 0;
    while (off < bytes.length) off += await this.conn.write(bytes.subarray(off));
  }

  /** Waits for the next line (after the last match) satisfying `test`, with a deadline. */
  async expect(test: (line: RawLine) => boolean, timeoutMs = DEADLINE_MS): Promise<RawLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines.slice(this.#cursor)) {
        this.#cursor++;
        if (test(line)) return line;
      }
      const left = deadline - Date.now();
      if (this.#eof || left <= 0) {
        const recent = this.lines.slice(-10).map((l) => JSON.stringify(l.text)).join("\n  ");
        throw new Error(`${this.#eof ? "closed" : "timed out"} waiting for ${test}\n  ${recent}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  /** Closes the socket and waits for the reader to stop. */
  async close(): Promise<void> {
    try {
      this.conn.close();
    } catch { /* already closed */ }
    await this.#reading;
  }
}
