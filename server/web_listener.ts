/**
 * The web port (`--web-port`): `Deno.serve` answering with the embedded page, and upgrading
 * WebSocket requests to IRC sessions that the server admits like any other connection. With
 * certificates, TLS is terminated by a `TlsRelay` in front so the certificate can be reloaded
 * without dropping WebSocket users.
 *
 * @module
 */

import type { TlsFiles } from "./config.ts";
import { type ConnectionOpener, formatPeer } from "./connection.ts";
import type { Logger } from "./log.ts";
import { TlsRelay } from "./tls_relay.ts";
import { originAllowed } from "./web_origin.ts";
import { pageResponse, SECURITY_HEADERS } from "./web_page.ts";
import { WebSocketConnection } from "./websocket_connection.ts";
import { chooseSubprotocol } from "./websocket_protocol.ts";

/** How long shutdown waits for `Deno.serve` to finish its requests. */
const SHUTDOWN_WAIT_MS = 2000;
/** WebSocket close code for a connection the server will not serve (RFC 6455: policy). */
const CLOSE_REFUSED = 1008;

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
  log: Logger;
}

/** Starts a session for a connection, or refuses it with an ERROR line (`Server.admit`). */
export type Admit = (
  remote: Deno.NetAddr,
  open: ConnectionOpener,
  refuse: (line: string) => void,
) => void;

function forbidden(text: string): Response {
  return new Response(`${text}\n`, {
    status: 403,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
  });
}

/** The running web port. */
export class WebListener {
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #relay: TlsRelay | undefined;

  private constructor(server: Deno.HttpServer<Deno.NetAddr>, relay: TlsRelay | undefined) {
    this.#server = server;
    this.#relay = relay;
  }

  /** Binds the port (throws when it cannot, or when the TLS files are bad). */
  static async open(options: WebListenerOptions, admit: Admit): Promise<WebListener> {
    const { log } = options;
    const serveOptions = {
      onListen() {},
      onError(err: unknown) {
        log.error(`web request failed: ${err instanceof Error ? err.stack : err}`);
        return new Response("Internal error\n", { status: 500 });
      },
    };
    if (!options.tls) {
      const server = Deno.serve(
        { ...serveOptions, hostname: options.hostname, port: options.port },
        (req, info) => handle(req, info.remoteAddr, false, options, admit),
      );
      return new WebListener(server, undefined);
    }
    let relay: TlsRelay | undefined;
    const server = Deno.serve(
      { ...serveOptions, hostname: "127.0.0.1", port: 0 },
      (req, info) => {
        const peer = relay?.peerOf(info.remoteAddr);
        if (!peer) return forbidden("Connect through the public port");
        return handle(req, peer, true, options, admit);
      },
    );
    try {
      relay = await TlsRelay.open(options.hostname, options.port, options.tls, server.addr, log);
    } catch (err) {
      await server.shutdown();
      throw err;
    }
    return new WebListener(server, relay);
  }

  /** The public address. */
  get addr(): Deno.NetAddr {
    return this.#relay?.addr ?? this.#server.addr;
  }

  /** Whether the port speaks TLS (https:, wss:). */
  get secure(): boolean {
    return this.#relay !== undefined;
  }

  /** Re-reads the certificate (with TLS; otherwise nothing to do). Throws on failure. */
  async reload(): Promise<void> {
    await this.#relay?.reload();
  }

  /** Stops taking new connections where that is possible without closing WebSockets (TLS). */
  stopAccepting(): void {
    this.#relay?.stopAccepting();
  }

  /** Closes everything, WebSockets included: call after their sessions have said goodbye. */
  async close(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      this.#server.shutdown(),
      new Promise((r) => timer = setTimeout(r, SHUTDOWN_WAIT_MS)),
    ]);
    clearTimeout(timer);
    this.#relay?.close();
  }
}

/** One HTTP request from `peer`: a WebSocket upgrade, or the page. */
function handle(
  req: Request,
  peer: Deno.NetAddr,
  secure: boolean,
  options: WebListenerOptions,
  admit: Admit,
): Response {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") return pageResponse(req);
  const origin = req.headers.get("origin");
  if (!originAllowed(origin, req.headers.get("host"), options.origins)) {
    options.log.info(`${formatPeer(peer)} WebSocket refused: origin ${origin} is not allowed`);
    return forbidden("This page's origin may not connect (see --web-origin)");
  }
  const { mode, protocol } = chooseSubprotocol(req.headers.get("sec-websocket-protocol"));
  let upgraded: { socket: WebSocket; response: Response };
  try {
    upgraded = Deno.upgradeWebSocket(req, protocol ? { protocol } : {});
  } catch (err) {
    return new Response(`Bad WebSocket request: ${(err as Error).message}\n`, { status: 400 });
  }
  const { socket, response } = upgraded;
  socket.addEventListener("open", () => {
    admit(
      peer,
      (events) =>
        new WebSocketConnection(socket, peer, { mode, secure, sendq: options.sendq }, events),
      (line) => {
        try {
          socket.send(line.replace(/\r\n$/, ""));
          socket.close(CLOSE_REFUSED);
        } catch { /* already gone */ }
      },
    );
  }, { once: true });
  return response;
}
