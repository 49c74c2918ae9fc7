/**
 * A loopback TCP proxy a test can cut, like a laptop losing its network: every connection
 * through it is closed at once, and while blocked new ones are closed as soon as they arrive.
 *
 * @module
 */

/** Forwards 127.0.0.1:`port` to a target port until cut or closed. */
export class CutProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #target: number;
  readonly #open = new Set<Deno.Conn>();
  readonly #pumps: Promise<void>[] = [];
  readonly #accepting: Promise<void>;
  #blocked = false;

  constructor(targetPort: number) {
    this.#target = targetPort;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#accepting = this.#accept();
  }

  async #accept(): Promise<void> {
    try {
      for await (const down of this.#listener) {
        if (this.#blocked) {
          down.close();
          continue;
        }
        const up = await Deno.connect({ hostname: "127.0.0.1", port: this.#target });
        this.#open.add(down).add(up);
        this.#pumps.push(this.#pump(down, up), this.#pump(up, down));
      }
    } catch { /* listener closed */ }
  }

  async #pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
    const buf = new Uint8Array(16 * 1024);
    try {
      for (;;) {
        const n = await from.read(buf);
        if (n === null) break;
        for (let off = 0; off < n;) off += await to.write(buf.subarray(off, n));
      }
    } catch { /* cut */ }
    this.#drop(from);
    this.#drop(to);
  }

  #drop(conn: Deno.Conn): void {
    if (!this.#open.delete(conn)) return;
    try {
      conn.close();
    } catch { /* already closed */ }
  }

  /** Closes every connection through the proxy; with `block`, refuses new ones until `unblock`. */
  cut(block = false): void {
    this.#blocked = block;
    for (const conn of [...this.#open]) this.#drop(conn);
  }

  /** Lets connections through again. */
  unblock(): void {
    this.#blocked = false;
  }

  /** Stops listening and closes everything. */
  async close(): Promise<void> {
    this.#listener.close();
    this.cut();
    await this.#accepting;
    await Promise.all(this.#pumps);
  }
}
