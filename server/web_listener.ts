/**
 * The web port (`--web-port`): our own HTTP/1.1 over plain TCP (`Deno.listen`) or TLS (a
 * `ReloadableTlsListener`, so the certificate can be reloaded without dropping WebSocket users).
 * Every connection is admitted by the per-IP limits, together with the IRC ports' connections,
 * before a byte of it is read; web_connection.ts then serves it.
 *
 * `Deno.serve` cannot do that (measured under Deno 2.9.6): it has no hook between accepting a
 * connection and parsing its request, no header timeout (a half-sent request stays open), and
 * `Deno.upgradeWebSocket` buffers a whole message of any size before the application sees it.
 *
 * @module
 */

import { acceptLoop, type ByteStream, closeQuietly, sendAndClose } from "./byte_stream.ts";
import type { TlsFiles } from "./config.ts";
import type { ConnectionOpener } from "./connection.ts";
import { forwardedClient, forwardedEntries } from "./forwarded.ts";
import { type RequestHead, serializeResponse } from "./http_request.ts";
import type { Logger } from "./log.ts";
import type { TrustedProxies } from "./proxy_stream.ts";
import { ReloadableTlsListener } from "./tls_listener.ts";
import { serveWebConnection } from "./web_connection.ts";
import { type PageResponse, plainResponse } from "./web_page.ts";
import type { OpsRequest } from "./metrics/endpoints.ts";
import { errorMessage } from "../util/error_message.ts";

/** How long a refused plain HTTP connection may take to receive its refusal. */
const REFUSAL_WRITE_MS = 1000;

/** What the web port is told to do. */
export interface WebListenerOptions {
  hostname: string;
  port: number;
  /** Serve HTTPS/WSS with these files. */
  tls: TlsFiles | undefined;
  /** Normalized `--web-origin` entries (`*`: any). */
  origins: readonly string[];
  /** The send queue limit of each WebSocket client. */
  sendq: number;
  tlsHandshakeTimeoutMs: number;
  headerTimeoutMs: number;
  log: Logger;
}

/** What the listeners need from the server: the per-IP limits and sessions. */
export interface ListenerHost {
  /** Counts a new connection against the per-IP limits; a refusal says why (and is logged). */
  admit(remote: Deno.NetAddr): string | undefined;
  /** Forgets an admitted connection that ended without a session. */
  release(remote: Deno.NetAddr): void;
  /** Runs a session on an admitted connection; the session releases it when it ends. */
  serve(open: ConnectionOpener): void;
  /** Answers /metrics and /healthz (metrics/endpoints.ts); undefined for other paths. */
  ops?(req: OpsRequest): PageResponse | undefined;
  /** `--proxy-from`: peers that name their clients (PROXY header, `X-Forwarded-For`). */
  readonly proxies: TrustedProxies;
  /** A trusted proxy's connection was closed for its bad or missing PROXY header. */
  proxyFailed(proxy: Deno.NetAddr, reason: string): void;
}

/** The running web port. */
export class WebListener {
  #options: WebListenerOptions;
  readonly #host: ListenerHost;
  #tcp: Deno.TcpListener | undefined;
  #tls: ReloadableTlsListener | undefined;
  /** Connections still speaking HTTP (upgraded ones belong to their sessions). */
  readonly #open = new Set<ByteStream>();
  #stopped = false;

  private constructor(options: WebListenerOptions, host: ListenerHost) {
    this.#options = options;
    this.#host = host;
  }

  /** Binds the port (throws when it cannot, or when the TLS files are bad). */
  static async open(options: WebListenerOptions, host: ListenerHost): Promise<WebListener> {
    const web = new WebListener(options, host);
    if (options.tls) {
      web.#tls = await ReloadableTlsListener.open(options.hostname, options.port, options.tls, {
        // refused before the handshake: closed at once, without a word
        admit: (remote) => web.#admit(remote) === undefined,
        accepted: (conn) => web.#serve(conn),
        acceptFailed: (err) => options.log.error(`web TLS accept failed: ${errorMessage(err)}`),
      }, options.tlsHandshakeTimeoutMs);
    } else {
      web.#tcp = Deno.listen({ hostname: options.hostname, port: options.port });
      acceptLoop(
        web.#tcp,
        (conn) => web.#accept(conn),
        (err) => options.log.error(`web accept failed: ${errorMessage(err)}`),
        () => web.#stopped,
      );
    }
    return web;
  }

  /** The bound address. */
  get addr(): Deno.NetAddr {
    return this.#tls?.addr ?? this.#tcp!.addr;
  }

  /** Whether the port speaks TLS (https:, wss:). */
  get secure(): boolean {
    return this.#tls !== undefined;
  }

  /** Re-reads the certificate (with TLS; otherwise nothing to do). Throws on failure. */
  /** Other sites whose pages may connect from now on (a reload); open sockets carry on. */
  setOrigins(origins: readonly string[]): void {
    this.#options = { ...this.#options, origins: [...origins] };
  }

  async reload(): Promise<void> {
    await this.#tls?.reload();
  }

  /** Stops taking new connections. */
  stopAccepting(): void {
    this.#stopped = true;
    this.#tls?.close();
    try {
      this.#tcp?.close();
    } catch { /* closed already */ }
  }

  /** Closes the connections still speaking HTTP (WebSockets end with their sessions). */
  close(): void {
    this.stopAccepting();
    for (const stream of this.#open) closeQuietly(stream);
  }

  /**
   * The per-IP limits' verdict on a new connection: a refusal, or undefined when admitted. A
   * trusted proxy's is let in uncounted: its clients are admitted at their WebSocket requests.
   */
  #admit(remote: Deno.NetAddr): string | undefined {
    if (this.#stopped) return "Server shutting down";
    return this.#host.proxies.trusts(remote) ? undefined : this.#host.admit(remote);
  }

  /** Admits the client a trusted proxy's WebSocket request names (forwarded.ts). */
  #forwarded(
    peer: Deno.NetAddr,
    head: RequestHead,
  ): { remote: Deno.NetAddr } | { refusal: string } {
    const { proxies } = this.#host;
    const trusted = (ip: string) => proxies.trusts({ transport: "tcp", hostname: ip, port: 0 });
    const ip = forwardedClient(peer.hostname, forwardedEntries(head), trusted);
    const remote: Deno.NetAddr = ip === peer.hostname
      ? peer
      : { transport: "tcp", hostname: ip, port: 0 };
    const refusal = this.#host.admit(remote);
    return refusal === undefined ? { remote } : { refusal };
  }

  /** A plain connection: admitted and served, or refused with a short answer. */
  #accept(conn: Deno.TcpConn): void {
    const refusal = this.#admit(conn.remoteAddr);
    if (refusal === undefined) {
      this.#serve(conn);
      return;
    }
    const res = plainResponse(refusal === "Server shutting down" ? 503 : 429, refusal);
    const bytes = serializeResponse(res.status, { ...res.headers, connection: "close" }, res.body);
    sendAndClose(conn, bytes, REFUSAL_WRITE_MS);
  }

  /** Serves HTTP on an admitted connection. */
  #serve(stream: ByteStream): void {
    const remote = stream.remoteAddr;
    const trusted = this.#host.proxies.trusts(remote);
    this.#open.add(stream);
    const { secure } = this;
    const options = this.#options;
    serveWebConnection(stream, {
      secure,
      origins: options.origins,
      sendq: options.sendq,
      headerTimeoutMs: options.headerTimeoutMs,
      log: options.log,
      serve: (open) => {
        this.#open.delete(stream);
        this.#host.serve(open);
      },
      release: (client) => {
        this.#open.delete(stream);
        if (client) this.#host.release(client);
        if (!trusted) this.#host.release(remote);
      },
      ops: (req) => this.#host.ops?.(req),
      forwarded: trusted ? (head) => this.#forwarded(remote, head) : undefined,
    });
  }
}
