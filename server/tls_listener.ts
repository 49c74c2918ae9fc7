/**
 * A TLS listener whose certificate can be replaced while it runs (SIGHUP): the new files are read
 * and checked first, then the listening socket is re-created on the same port with them.
 * Connections already accepted are separate sockets and carry on with the old certificate.
 *
 * @module
 */

import type { TlsFiles } from "./config.ts";

/** The PEM text of a certificate chain and its key, as `Deno.listenTls` takes them. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** A certificate or key that cannot be read or used; the message names the file and the reason. */
export class TlsSetupError extends Error {
  override name = "TlsSetupError";
}

/** How long to wait before accepting again after a failed accept (EMFILE and friends). */
const ACCEPT_RETRY_MS = 100;
/**
 * How long a reload keeps trying to bind the port again: a closed listener's socket is released
 * asynchronously, once its pending accept has been cancelled.
 */
const REBIND_MS = 2000;
const REBIND_POLL_MS = 5;

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Reads a certificate and key and checks that they work together. Deno only parses them when a
 * listener is created, so the check is a listener on a throwaway port of `hostname`.
 */
export async function loadTlsMaterial(files: TlsFiles, hostname: string): Promise<TlsMaterial> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      throw new TlsSetupError(`cannot read TLS ${what} ${path}: ${reason(err)}`);
    }
  };
  const cert = await read(files.certFile, "certificate");
  const key = await read(files.keyFile, "key");
  try {
    Deno.listenTls({ hostname, port: 0, cert, key }).close();
  } catch (err) {
    throw new TlsSetupError(
      `cannot use TLS certificate ${files.certFile} with key ${files.keyFile}: ${reason(err)}`,
    );
  }
  return { cert, key };
}

/** Where accepted connections and accept failures go. */
export interface TlsListenerEvents {
  /** A new connection; its TLS handshake happens on its first read or write. */
  accepted(conn: Deno.TlsConn): void;
  /** `accept` failed (out of file descriptors, …); accepting is retried shortly. */
  acceptFailed(err: unknown): void;
}

/** A TLS listener on a fixed port that can swap its certificate. */
export class ReloadableTlsListener {
  readonly #hostname: string;
  readonly #files: TlsFiles;
  readonly #events: TlsListenerEvents;
  #material: TlsMaterial;
  #listener: Deno.TlsListener;
  #accepting: Promise<void>;
  /** Listeners that were closed on purpose: their accept loops end quietly. */
  readonly #retired = new WeakSet<Deno.TlsListener>();
  /** Reloads run one after another (two quick SIGHUPs). */
  #reloads: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    hostname: string,
    files: TlsFiles,
    material: TlsMaterial,
    listener: Deno.TlsListener,
    events: TlsListenerEvents,
  ) {
    this.#hostname = hostname;
    this.#files = files;
    this.#material = material;
    this.#listener = listener;
    this.#events = events;
    this.#accepting = this.#acceptLoop(listener);
  }

  /**
   * Loads the files and starts listening. Throws `TlsSetupError` for bad files and the
   * `Deno.listenTls` error (address in use, …) when the port cannot be bound.
   */
  static async open(
    hostname: string,
    port: number,
    files: TlsFiles,
    events: TlsListenerEvents,
  ): Promise<ReloadableTlsListener> {
    const material = await loadTlsMaterial(files, hostname);
    const listener = Deno.listenTls({ hostname, port, ...material });
    return new ReloadableTlsListener(hostname, files, material, listener, events);
  }

  /** The bound address (the real port when 0 was asked for). */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /**
   * Re-reads the certificate and key and listens with them on the same port. On failure it
   * throws and the old certificate stays in service.
   */
  reload(): Promise<void> {
    const done = this.#reloads.then(() => this.#reload());
    this.#reloads = done.catch(() => {});
    return done;
  }

  async #reload(): Promise<void> {
    if (this.#closed) return;
    const material = await loadTlsMaterial(this.#files, this.#hostname);
    if (this.#closed) return;
    const port = this.addr.port;
    // No SO_REUSEPORT without --unstable-net: free the port, then bind it again at once.
    this.#retired.add(this.#listener);
    this.#listener.close();
    await this.#accepting;
    try {
      this.#listener = await this.#rebind(port, material);
      this.#material = material;
    } catch (err) {
      // Someone took the port in that instant: keep serving with the old certificate if we can.
      try {
        this.#listener = await this.#rebind(port, this.#material);
      } catch {
        throw new Error(`cannot listen again on port ${port}: ${reason(err)}; TLS port closed`);
      }
      this.#accepting = this.#acceptLoop(this.#listener);
      throw new Error(`cannot listen again on port ${port}: ${reason(err)}; kept the old one`);
    }
    this.#accepting = this.#acceptLoop(this.#listener);
  }

  /** Binds `port` again, retrying while the old socket is still being released. */
  async #rebind(port: number, material: TlsMaterial): Promise<Deno.TlsListener> {
    const deadline = Date.now() + REBIND_MS;
    for (;;) {
      try {
        return Deno.listenTls({ hostname: this.#hostname, port, ...material });
      } catch (err) {
        if (!(err instanceof Deno.errors.AddrInUse) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, REBIND_POLL_MS));
      }
    }
  }

  /** Stops accepting; accepted connections are not touched. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
  }

  async #acceptLoop(listener: Deno.TlsListener): Promise<void> {
    for (;;) {
      let conn: Deno.TlsConn;
      try {
        conn = await listener.accept();
      } catch (err) {
        if (this.#closed || this.#retired.has(listener)) return;
        this.#events.acceptFailed(err);
        await new Promise((r) => setTimeout(r, ACCEPT_RETRY_MS));
        continue;
      }
      if (this.#closed) {
        conn.close();
        continue;
      }
      this.#events.accepted(conn);
    }
  }
}
