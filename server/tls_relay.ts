/**
 * TLS in front of the web port. `Deno.serve` cannot swap its certificate, and shutting it down
 * closes every WebSocket it upgraded (measured under Deno 2.9.6), so when certificates are given
 * the public web port is a `ReloadableTlsListener` whose connections are relayed, decrypted, to
 * the `Deno.serve` on a loopback port behind it. The relay remembers which public peer each
 * loopback connection stands for, so admission and logs see real addresses; loopback
 * connections it did not make are unknown and get refused.
 *
 * @module
 */

import type { TlsFiles } from "./config.ts";
import type { Logger } from "./log.ts";
import { ReloadableTlsListener } from "./tls_listener.ts";

/** Bytes moved per read in each direction. */
const RELAY_BUFFER_BYTES = 16 * 1024;

function key(addr: Deno.NetAddr): string {
  return `${addr.hostname}:${addr.port}`;
}

/** Copies `from` into `to` until either ends. */
async function pump(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(RELAY_BUFFER_BYTES);
  try {
    for (;;) {
      const n = await from.read(buf);
      if (n === null) return;
      let off = 0;
      while (off < n) off += await to.write(buf.subarray(off, n));
    }
  } catch { /* reset, TLS failure, or closed by the other direction */ }
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch { /* already closed */ }
}

/** The TLS front of the web port. */
export class TlsRelay {
  readonly #listener: ReloadableTlsListener;
  /** Loopback address of our side of each relayed connection → the real peer. */
  readonly #peers = new Map<string, Deno.NetAddr>();
  readonly #open = new Set<Deno.Conn>();
  readonly #backend: Deno.NetAddr;
  readonly #log: Logger;

  private constructor(listener: ReloadableTlsListener, backend: Deno.NetAddr, log: Logger) {
    this.#listener = listener;
    this.#backend = backend;
    this.#log = log;
  }

  /** Listens for TLS on `hostname:port` and relays to `backend`; throws like the listener. */
  static async open(
    hostname: string,
    port: number,
    files: TlsFiles,
    backend: Deno.NetAddr,
    log: Logger,
  ): Promise<TlsRelay> {
    const made: { relay?: TlsRelay } = {};
    const listener = await ReloadableTlsListener.open(hostname, port, files, {
      accepted: (conn) => {
        if (made.relay) made.relay.#relay(conn);
        else conn.close();
      },
      acceptFailed: (err) => log.error(`web TLS accept failed: ${(err as Error).message}`),
    });
    made.relay = new TlsRelay(listener, backend, log);
    return made.relay;
  }

  /** The public address. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** The real peer behind a connection the loopback server accepted, if we made it. */
  peerOf(loopback: Deno.NetAddr): Deno.NetAddr | undefined {
    return this.#peers.get(key(loopback));
  }

  /** Re-reads the certificate; relayed connections carry on. Throws on failure. */
  reload(): Promise<void> {
    return this.#listener.reload();
  }

  /** Stops accepting new connections. */
  stopAccepting(): void {
    this.#listener.close();
  }

  /** Stops accepting and closes every relayed connection. */
  close(): void {
    this.#listener.close();
    for (const conn of this.#open) closeQuietly(conn);
  }

  async #relay(outer: Deno.TlsConn): Promise<void> {
    let inner: Deno.TcpConn;
    try {
      inner = await Deno.connect({ hostname: this.#backend.hostname, port: this.#backend.port });
    } catch (err) {
      this.#log.error(
        `web TLS relay cannot reach ${key(this.#backend)}: ${(err as Error).message}`,
      );
      closeQuietly(outer);
      return;
    }
    inner.setNoDelay(true);
    const id = key(inner.localAddr as Deno.NetAddr);
    this.#peers.set(id, outer.remoteAddr as Deno.NetAddr);
    this.#open.add(outer).add(inner);
    const up = pump(outer, inner);
    const down = pump(inner, outer);
    await Promise.race([up, down]);
    closeQuietly(outer);
    closeQuietly(inner);
    await Promise.all([up, down]);
    this.#open.delete(outer);
    this.#open.delete(inner);
    this.#peers.delete(id);
  }
}
