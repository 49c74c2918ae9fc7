/**
 * The running server: the TCP listener, the set of live sessions, the once-a-second clock, and
 * graceful shutdown.
 *
 * @module
 */

import { Admission } from "./admission.ts";
import { parseCidr } from "./cidr.ts";
import type { CommandTable } from "./command_table.ts";
import { COMMANDS } from "./commands/index.ts";
import type { ServerConfig } from "./config.ts";
import type { Hub } from "./hub.ts";
import { type ConnectionOpener, formatPeer, StreamConnection } from "./connection.ts";
import { LocalHub } from "./local_hub.ts";
import { createLogger, type Logger } from "./log.ts";
import { createServerInfo, type ServerInfo } from "./server_info.ts";
import { Session, type SessionHost } from "./session.ts";

const TICK_MS = 1000;
/** How long a refused connection may take to receive its ERROR line. */
const REFUSAL_WRITE_MS = 1000;
const encoder = new TextEncoder();

/** Extra wiring for tests and embedders; production uses the defaults. */
export interface ServerOptions {
  log?: Logger;
  /** The command table (tests add commands to it). */
  commands?: CommandTable;
}

/** A started server. */
export interface RunningServer {
  /** The bound address (the port is the real one when 0 was asked for). */
  readonly addr: Deno.NetAddr;
  /** Live connections, registered or not. */
  readonly connectionCount: number;
  readonly hub: Hub;
  /** Tells every client, flushes their queues, closes everything. Idempotent. */
  shutdown(reason?: string): Promise<void>;
  /** Resolves when the server has shut down. */
  readonly done: Promise<void>;
}

class Server implements SessionHost, RunningServer {
  readonly hub: Hub;
  readonly info: ServerInfo;
  readonly commands: CommandTable;
  readonly #listener: Deno.TcpListener;
  readonly #sessions = new Set<Session>();
  readonly #admission: Admission;
  #ticks = 0;
  readonly #tick: ReturnType<typeof setInterval>;
  #stopping: Promise<void> | undefined;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(
    listener: Deno.TcpListener,
    info: ServerInfo,
    hub: Hub,
    admission: Admission,
    commands: CommandTable,
  ) {
    this.#listener = listener;
    this.info = info;
    this.hub = hub;
    this.#admission = admission;
    this.commands = commands;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#tick = setInterval(() => {
      const now = Date.now();
      for (const session of this.#sessions) session.tick(now);
      if (++this.#ticks % 60 === 0) this.#admission.sweep(now);
    }, TICK_MS);
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  ended(session: Session): void {
    if (this.#sessions.delete(session)) this.#admission.release(session.connection.hostname);
  }

  async acceptLoop(): Promise<void> {
    for (;;) {
      let conn: Deno.TcpConn;
      try {
        conn = await this.#listener.accept();
      } catch (err) {
        if (this.#stopping) return;
        // EMFILE and friends: say so and keep serving the clients we have.
        this.info.log.error(`accept failed: ${err instanceof Error ? err.message : err}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#stopping) {
        conn.close();
        continue;
      }
      const sendq = this.info.limits.sendqBytes;
      this.admit(
        conn.remoteAddr as Deno.NetAddr,
        (events) => new StreamConnection(conn, sendq, events),
        (line) => refuse(conn, line),
      );
    }
  }

  /**
   * Starts a session for a new connection from any listener, unless the per-IP limits refuse
   * it: then `refuse` is given the ERROR line to send before closing.
   */
  admit(remote: Deno.NetAddr, open: ConnectionOpener, refuse: (line: string) => void): void {
    const refusal = this.#admission.admit(remote.hostname);
    if (refusal) {
      this.info.log.info(`${formatPeer(remote)} refused: ${refusal}`);
      refuse(`ERROR :Closing Link: ${remote.hostname} (${refusal})\r\n`);
      return;
    }
    const session = new Session(open, this);
    this.#sessions.add(session);
    session.run().catch((err) => {
      this.info.log.error(`session ${session.connection.peer} failed: ${err?.stack ?? err}`);
      session.terminate("Internal error");
    });
  }

  shutdown(reason = "Server shutting down"): Promise<void> {
    this.#stopping ??= (async () => {
      this.info.log.info(`shutting down: ${reason} (${this.#sessions.size} connections)`);
      clearInterval(this.#tick);
      try {
        this.#listener.close();
      } catch { /* already closed */ }
      const sessions = [...this.#sessions];
      for (const s of sessions) s.terminate(reason, true);
      await Promise.all(sessions.map((s) => s.closed));
      this.#resolveDone();
    })();
    return this.#stopping;
  }
}

/** Writes one line to a connection we will not serve, then closes it, whatever happens. */
function refuse(conn: Deno.TcpConn, line: string): void {
  const timer = setTimeout(() => conn.close(), REFUSAL_WRITE_MS);
  conn.write(encoder.encode(line)).catch(() => {}).finally(() => {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  });
}

/** Binds the listener and starts serving; fails (throws) if the address cannot be bound. */
export async function startServer(
  config: ServerConfig,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const exempt = config.exempt.map((text) => {
    const range = parseCidr(text);
    if (!range) throw new Error(`not an address range: ${text}`);
    return range;
  });
  const admission = new Admission({
    maxPerIp: config.limits.maxConnectionsPerIp,
    throttleBurst: config.limits.throttleBurst,
    throttleRatePerMinute: config.limits.throttleRatePerMinute,
    exempt,
  });
  const info = await createServerInfo(config, log);
  const listener = Deno.listen({ hostname: config.host, port: config.port, transport: "tcp" });
  const server = new Server(
    listener,
    info,
    new LocalHub(),
    admission,
    options.commands ?? COMMANDS,
  );
  log.info(`${info.name} listening on ${config.host}:${server.addr.port}`);
  server.acceptLoop();
  return server;
}
