/**
 * A TLS listener whose certificate can be replaced while it runs (SIGHUP): the new files are read
 * and checked first, then new connections get them. Connections already accepted carry on with
 * the old certificate. The listening socket is a plain `Deno.listen` one that never closes, so a
 * reload leaves no gap; each connection is admitted (or closed) before any TLS, then becomes a
 * `TlsStream` with a handshake timeout.
 *
 * @module
 */

import { createSecureContext, type SecureContext } from "node:tls";
import type { TlsFiles } from "./config.ts";
import { acceptLoop, closeQuietly } from "./byte_stream.ts";
import { readProxyHeader, StrayHeaderGuard, type TrustedProxies } from "./proxy_stream.ts";
import { type RawConn, TlsStream } from "./tls_stream.ts";
import { UNTRUSTED_PROXY } from "./connection.ts";

const encoder = new TextEncoder();
import { errorMessage } from "../util/error_message.ts";

/** The PEM text of a certificate chain and its key. */
export interface TlsMaterial {
  cert: string;
  key: string;
}

/** A certificate or key that cannot be read or used; the message names the file and the reason. */
export class TlsSetupError extends Error {
  override name = "TlsSetupError";
}

/**
 * Reads a certificate and key and checks that they work together. `createSecureContext` takes
 * a mismatched or garbled pair without a word under Deno, while `Deno.listenTls` parses and
 * matches them, so the check is a listener on a throwaway port of `hostname`.
 */
export async function loadTlsMaterial(files: TlsFiles, hostname: string): Promise<TlsMaterial> {
  const read = async (path: string, what: string): Promise<string> => {
    try {
      return await Deno.readTextFile(path);
    } catch (err) {
      throw new TlsSetupError(`cannot read TLS ${what} ${path}: ${errorMessage(err)}`);
    }
  };
  const cert = await read(files.certFile, "certificate");
  const key = await read(files.keyFile, "key");
  try {
    Deno.listenTls({ hostname, port: 0, cert, key }).close();
  } catch (err) {
    throw new TlsSetupError(
      `cannot use TLS certificate ${files.certFile} with key ${files.keyFile}: ${
        errorMessage(err)
      }`,
    );
  }
  return { cert, key };
}

/** Where accepted connections and accept failures go. */
export interface TlsListenerEvents {
  /**
   * Whether to serve a new connection, asked before any TLS: a refused one is closed at once
   * and costs no handshake.
   */
  admit(remote: Deno.NetAddr): boolean;
  /** An admitted connection; its handshake has started. */
  accepted(conn: TlsStream): void;
  /** `accept` failed (out of file descriptors, …); accepting is retried shortly. */
  acceptFailed(err: unknown): void;
  /**
   * The trusted proxies (`--proxy-from`): their connections start with a PROXY header, read
   * before the handshake; `admit` is then asked about the client it names.
   */
  proxies?: TrustedProxies;
  /** A trusted proxy's header was bad or late: its connection was closed. */
  proxyFailed?(proxy: Deno.NetAddr, reason: string): void;
}

/** A TLS listener on a fixed port that can swap its certificate. */
export class ReloadableTlsListener {
  readonly #hostname: string;
  readonly #files: TlsFiles;
  readonly #listener: Deno.TcpListener;
  #context: SecureContext;
  /** Reloads run one after another (two quick SIGHUPs). */
  #reloads: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(
    hostname: string,
    files: TlsFiles,
    context: SecureContext,
    listener: Deno.TcpListener,
  ) {
    this.#hostname = hostname;
    this.#files = files;
    this.#context = context;
    this.#listener = listener;
  }

  /**
   * Loads the files and starts listening. Throws `TlsSetupError` for bad files and the
   * `Deno.listen` error (address in use, …) when the port cannot be bound.
   */
  static async open(
    hostname: string,
    port: number,
    files: TlsFiles,
    events: TlsListenerEvents,
    handshakeTimeoutMs: number,
  ): Promise<ReloadableTlsListener> {
    const context = createSecureContext(await loadTlsMaterial(files, hostname));
    const tcp = Deno.listen({ hostname, port, transport: "tcp" });
    const listener = new ReloadableTlsListener(hostname, files, context, tcp);
    acceptLoop(
      tcp,
      (conn) => {
        const start = (raw: RawConn) => {
          if (listener.#closed || !events.admit(raw.remoteAddr)) closeQuietly(raw);
          else events.accepted(new TlsStream(raw, listener.#context, handshakeTimeoutMs));
        };
        const proxies = events.proxies;
        if (!proxies || listener.#closed) return start(conn);
        if (!proxies.trusts(conn.remoteAddr)) {
          const line = `ERROR :Closing Link: ${conn.remoteAddr.hostname} (${UNTRUSTED_PROXY})\r\n`;
          return start(new StrayHeaderGuard(conn, encoder.encode(line)));
        }
        readProxyHeader(conn, proxies.headerTimeoutMs).then((read) => {
          if (read.ok) return start(read.conn);
          events.proxyFailed?.(conn.remoteAddr, read.reason);
          closeQuietly(conn);
        });
      },
      events.acceptFailed,
      () => listener.#closed,
    );
    return listener;
  }

  /** The bound address (the real port when 0 was asked for). */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /**
   * Re-reads the certificate and key; new connections get them. On failure it throws and the
   * old certificate stays in service.
   */
  reload(): Promise<void> {
    const done = this.#reloads.then(async () => {
      const material = await loadTlsMaterial(this.#files, this.#hostname);
      this.#context = createSecureContext(material);
    });
    this.#reloads = done.catch(() => {});
    return done;
  }

  /** Stops accepting; accepted connections are not touched. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch { /* already closed */ }
  }
}
