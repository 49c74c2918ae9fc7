/**
 * The running server: the TCP listener, the set of live sessions, the once-a-second clock, and
 * graceful shutdown.
 *
 * @module
 */

import type { CommandTable } from "./command_table.ts";
import { COMMANDS } from "./commands/index.ts";
import type { ServerConfig } from "./config.ts";
import type { Hub } from "./hub.ts";
import { LocalHub } from "./local_hub.ts";
import { createLogger, type Logger } from "./log.ts";
import { createServerInfo, type ServerInfo } from "./server_info.ts";
import { Session, type SessionHost } from "./session.ts";

const TICK_MS = 1000;

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
  readonly commands: CommandTable = COMMANDS;
  readonly #listener: Deno.TcpListener;
  readonly #sessions = new Set<Session>();
  readonly #tick: ReturnType<typeof setInterval>;
  #stopping: Promise<void> | undefined;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(listener: Deno.TcpListener, info: ServerInfo, hub: Hub) {
    this.#listener = listener;
    this.info = info;
    this.hub = hub;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    this.#tick = setInterval(() => {
      const now = Date.now();
      for (const session of this.#sessions) session.tick(now);
    }, TICK_MS);
  }

  get addr(): Deno.NetAddr {
    return this.#listener.addr as Deno.NetAddr;
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  ended(session: Session): void {
    this.#sessions.delete(session);
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
      const session = new Session(conn, this);
      this.#sessions.add(session);
      session.run().catch((err) => {
        this.info.log.error(`session ${session.connection.peer} failed: ${err?.stack ?? err}`);
        session.terminate("Internal error");
      });
    }
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

/** Binds the listener and starts serving; fails (throws) if the address cannot be bound. */
export async function startServer(
  config: ServerConfig,
  log: Logger = createLogger(config.logLevel),
): Promise<RunningServer> {
  const info = await createServerInfo(config, log);
  const listener = Deno.listen({ hostname: config.host, port: config.port, transport: "tcp" });
  const server = new Server(listener, info, new LocalHub());
  log.info(`${info.name} listening on ${config.host}:${server.addr.port}`);
  server.acceptLoop();
  return server;
}
