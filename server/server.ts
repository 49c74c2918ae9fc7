/**
 * The running server: the TCP listener, the set of live sessions, the once-a-second clock, and
 * graceful shutdown.
 *
 * @module
 */

import { Admission } from "./admission.ts";
import { connectionBan, dlineReason } from "./bans.ts";
import { MemoryBans } from "./store/server_bans.ts";
import { parseCidr } from "./cidr.ts";
import type { CommandTable } from "./command_table.ts";
import { COMMANDS } from "./commands/index.ts";
import type { ServerConfig } from "./config.ts";
import { applyLiveConfig } from "./live_config.ts";
import type { Rehasher } from "./rehash_hook.ts";
import type { Hub } from "./hub.ts";
import { acceptLoop, type ByteStream, sendAndClose } from "./byte_stream.ts";
import { type ConnectionOpener, formatPeer, StreamConnection } from "./connection.ts";
import { ExtraListeners } from "./extra_listeners.ts";
import { LocalHub } from "./local_hub.ts";
import { readProxyHeader, TrustedProxies } from "./proxy_stream.ts";
import { expiredUsers } from "./always_on.ts";
import { createLogger, type Logger } from "./log.ts";
import { createServerInfo, type ServerInfo } from "./server_info.ts";
import { SessionDriver, type SessionHost } from "./session_driver.ts";
import type { MovedSession } from "./moved_session.ts";
import { DatabaseOpenError } from "./store/sqlite_failure.ts";
import { openSqliteStores, type Stores } from "./store/stores.ts";
import { startCluster } from "./cluster/start.ts";
import { foldCase } from "../protocol/casemap.ts";
import { errorMessage } from "../util/error_message.ts";
import { COUNTERS, refusalReason } from "./metrics/counters.ts";
import type { OpsRequest } from "./metrics/endpoints.ts";
import { ServerMetrics } from "./metrics/server_metrics.ts";
import type { PageResponse } from "./web_page.ts";

/** The server clock: the plain-text door opens within this much after its delay. */
const TICK_MS = 250;
/** How often history retention runs (every 10 minutes, and once at start). */
const PRUNE_EVERY_TICKS = 2400;
/**
 * How long a refused plain connection may take to receive its ERROR line; on a new socket the
 * write completes at once, and the socket is closed right after it.
 */
const REFUSAL_WRITE_MS = 1000;
const encoder = new TextEncoder();

/** Extra wiring for tests and embedders; production uses the defaults. */
export interface ServerOptions {
  log?: Logger;
  /** The command table (tests add commands to it). */
  commands?: CommandTable;
  /** Stores to use instead of opening `config.db` (they are not closed at shutdown then). */
  stores?: Stores;
  /** What REHASH runs (the command line re-reads its configuration). */
  rehash?: Rehasher;
}

/** A started server. */
export interface RunningServer {
  /** The bound address (the port is the real one when 0 was asked for); TLS's with --no-plain. */
  readonly addr: Deno.NetAddr;
  /** The TLS IRC port's address, when TLS is on. */
  readonly tlsAddr: Deno.NetAddr | undefined;
  /** The web port's address, when it is on. */
  readonly webAddr: Deno.NetAddr | undefined;
  /** Re-reads the TLS certificate files (SIGHUP); logs the outcome, true when it worked. */
  reloadCertificates(): Promise<boolean>;
  /**
   * Applies what can change without a restart from `next` (server/live_config.ts), the web
   * origins too, and reloads the certificates.
   */
  reconfigure(next: ServerConfig): Promise<void>;
  /** Live connections, registered or not. */
  readonly connectionCount: number;
  /** Live connections still registering (LUSERS 253). */
  readonly registeringCount: number;
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
  readonly stores: Stores;
  readonly #ownsStores: boolean;
  readonly #listener: Deno.TcpListener | undefined;
  /** TLS and web listeners, set once they are open. */
  extra: ExtraListeners | undefined;
  /** /metrics and /healthz, and the metrics port. */
  readonly metrics: ServerMetrics;
  readonly #sessions = new Set<SessionDriver>();
  readonly #admission: Admission;
  /** `--proxy-from`: peers whose connections name their client in a PROXY header. */
  readonly proxies: TrustedProxies;
  #ticks = 0;
  readonly #tick: ReturnType<typeof setInterval>;
  #stopping: Promise<void> | undefined;
  readonly done: Promise<void>;
  #resolveDone!: () => void;

  constructor(
    listener: Deno.TcpListener | undefined,
    info: ServerInfo,
    hub: Hub,
    admission: Admission,
    commands: CommandTable,
    stores: Stores,
    ownsStores: boolean,
    proxies: TrustedProxies,
  ) {
    this.#listener = listener;
    this.proxies = proxies;
    this.info = info;
    this.hub = hub;
    this.#admission = admission;
    this.commands = commands;
    this.stores = stores;
    this.#ownsStores = ownsStores;
    this.done = new Promise((resolve) => this.#resolveDone = resolve);
    this.metrics = new ServerMetrics({
      hub,
      stores,
      sessions: this.#sessions,
      stopping: () => this.#stopping !== undefined,
    });
    hub.servesMoved?.((connection, state) => this.serve(() => connection, state));
    this.#prune();
    info.bans.onChange(() => this.#enforceBans());
    this.#enforceBans(); // always-on users restored under a ban end now
    this.#tick = setInterval(() => {
      const now = Date.now();
      for (const session of this.#sessions) session.tick(now);
      info.bans.tick(now);
      this.#maintainHistory();
      if (++this.#ticks % 240 === 0) {
        this.#admission.sweep(now);
        this.info.authThrottle.sweep(now);
      }
      if (this.#ticks % PRUNE_EVERY_TICKS === 0) {
        this.#prune();
        this.#expireAlwaysOn();
      }
    }, TICK_MS);
  }

  /**
   * Disconnects this node's connections that a K-line or D-line now applies to, and ends the
   * always-on users with no connection a K-line applies to. In a cluster (a hub that adopts
   * users) those may be held by another node, and are left to their next connection's welcome.
   */
  #enforceBans(): void {
    const now = Date.now();
    for (const session of this.#sessions) {
      const reason = connectionBan(this.info.bans, session.user, session.connection.hostname, now);
      if (reason !== undefined) session.terminate(reason);
    }
    if (this.hub.bringHere) return;
    for (const user of [...this.hub.users()]) {
      if (user.sessions.length > 0 || !user.registered) continue;
      const reason = connectionBan(this.info.bans, user, user.hostname, now);
      if (reason !== undefined) this.hub.quit(user, reason);
    }
  }

  /** A bounded step of the history deletions channels and accounts that ended asked for. */
  #maintainHistory(): void {
    try {
      this.stores.history.maintain?.();
    } catch (err) {
      this.info.log.error(`history: deleting failed: ${errorMessage(err)}`);
    }
  }

  /** Applies history retention in the background of the tick. */
  #prune(): void {
    const { maxAgeMs, maxPerTarget } = this.info.history;
    const report = (deleted: number) => {
      if (deleted > 0) this.info.log.info(`history: pruned ${deleted} messages`);
    };
    const failed = (err: unknown) =>
      this.info.log.error(`history pruning failed: ${errorMessage(err)}`);
    try {
      const deleted = this.stores.history.prune({ maxAgeMs, maxPerConversation: maxPerTarget });
      if (deleted instanceof Promise) deleted.then(report, failed);
      else report(deleted);
    } catch (err) {
      failed(err);
    }
  }

  /**
   * Always-on users of this server unseen too long end (their records with them): ordinary
   * offline accounts from now on.
   */
  #expireAlwaysOn(): void {
    try {
      const ended = expiredUsers(this.hub.users(), Date.now(), this.info.alwaysOn.expireMs);
      for (const user of ended) this.hub.quit(user, "Away too long");
      if (ended.length > 0) {
        this.info.log.info(`always-on: ${ended.length} users unseen too long ended`);
      }
    } catch (err) {
      this.info.log.error(`always-on: expiry failed: ${errorMessage(err)}`);
    }
  }

  get addr(): Deno.NetAddr {
    return (this.#listener?.addr ?? this.tlsAddr ?? this.webAddr) as Deno.NetAddr;
  }

  get tlsAddr(): Deno.NetAddr | undefined {
    return this.extra?.tls?.addr;
  }

  get webAddr(): Deno.NetAddr | undefined {
    return this.extra?.web?.addr;
  }

  reloadCertificates(): Promise<boolean> {
    return this.extra?.reload() ?? Promise.resolve(true);
  }

  async reconfigure(next: ServerConfig): Promise<void> {
    await applyLiveConfig(this.info, next);
    this.extra?.web?.setOrigins(next.webOrigins);
    await this.reloadCertificates();
  }

  get connectionCount(): number {
    return this.#sessions.size;
  }

  get registeringCount(): number {
    return this.info.registering.count;
  }

  ended(session: SessionDriver): void {
    if (!this.#sessions.delete(session) || session.connection.remote) return;
    this.#admission.release(session.connection.hostname);
  }

  async acceptLoop(): Promise<void> {
    if (!this.#listener) return;
    await acceptLoop(
      this.#listener,
      (conn) => this.acceptStream(conn),
      (err) => this.info.log.error(`accept failed: ${errorMessage(err)}`),
      () => this.#stopping !== undefined,
    );
  }

  /**
   * Serves an accepted plain TCP connection, or refuses it with an ERROR line. A trusted proxy's
   * starts with a PROXY header, read first (within a deadline): the client it names is the one
   * admitted, and served.
   */
  acceptStream(conn: Deno.TcpConn): void {
    if (!this.proxies.trusts(conn.remoteAddr)) return this.#acceptClient(conn);
    readProxyHeader(conn, this.proxies.headerTimeoutMs).then((read) => {
      if (read.ok) return this.#acceptClient(read.conn);
      this.proxyFailed(conn.remoteAddr, read.reason);
      const line = `ERROR :Closing Link: ${conn.remoteAddr.hostname} (Bad PROXY header)\r\n`;
      sendAndClose(conn, encoder.encode(line), REFUSAL_WRITE_MS);
    });
  }

  /** Logs a trusted proxy's connection closed for its bad or missing header. */
  proxyFailed(proxy: Deno.NetAddr, reason: string): void {
    this.info.log.warn(`${formatPeer(proxy)} (trusted proxy) closed: ${reason}`);
  }

  /** Admits and serves a client's connection (directly, or behind its PROXY header). */
  #acceptClient(conn: ByteStream): void {
    const remote = conn.remoteAddr;
    const refusal = this.admit(remote);
    if (refusal !== undefined) {
      const line = `ERROR :Closing Link: ${remote.hostname} (${refusal})\r\n`;
      sendAndClose(conn, encoder.encode(line), REFUSAL_WRITE_MS);
      return;
    }
    const sendq = this.info.limits.sendqBytes;
    this.serve((events) => new StreamConnection(conn, sendq, events));
  }

  /**
   * Counts a new connection from any listener against the per-IP limits. A refusal says why (and
   * is logged); the listener then closes the connection at once. An admitted connection is
   * released by its session, or with `release` when it ends without one.
   */
  admit(remote: Deno.NetAddr): string | undefined {
    if (this.#stopping) return "Server shutting down";
    const dline = this.info.bans.dline(remote.hostname);
    if (dline) {
      this.info.log.info(`${formatPeer(remote)} refused: D-lined ${dline.mask}`);
      return dlineReason(dline);
    }
    const refusal = this.#admission.admit(remote.hostname);
    if (refusal) {
      COUNTERS.refused[refusalReason(refusal)]++;
      this.info.log.info(`${formatPeer(remote)} refused: ${refusal}`);
    } else COUNTERS.accepted++;
    return refusal;
  }

  /** /metrics and /healthz on the web port. */
  ops(req: OpsRequest): PageResponse | undefined {
    return this.metrics.answer(req, false);
  }

  /** Forgets an admitted connection that ended without a session (a web page request). */
  release(remote: Deno.NetAddr): void {
    this.#admission.release(remote.hostname);
  }

  /**
   * Starts a session on an admitted connection (one that became a session too late is ended), or
   * on one that moved here from another cluster node with `moved`.
   */
  serve(open: ConnectionOpener, moved?: MovedSession): void {
    const session = new SessionDriver(open, this, moved);
    this.#sessions.add(session);
    if (this.#stopping) {
      // a WebSocket handshake that finished after shutdown began
      session.terminate("Server shutting down", true);
      return;
    }
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
        this.#listener?.close();
      } catch { /* already closed */ }
      this.extra?.stopAccepting();
      await this.metrics.close();
      const sessions = [...this.#sessions];
      for (const s of sessions) s.terminate(reason, true);
      await Promise.all(sessions.map((s) => s.closed));
      try {
        this.hub.stopping?.();
      } catch (err) {
        this.info.log.error(`always-on: cannot save users: ${errorMessage(err)}`);
      }
      this.extra?.close();
      if (this.#ownsStores) await this.stores.close();
      else this.stores.history.flush();
      this.#resolveDone();
    })();
    return this.#stopping;
  }
}

/**
 * Binds the listeners and starts serving; fails (throws) if an address cannot be bound or the
 * TLS files are bad (`ListenerSetupError` for the TLS and web ports).
 */
export async function startServer(
  config: ServerConfig,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel);
  const ranges = (texts: string[]) =>
    texts.map((text) => {
      const range = parseCidr(text);
      if (!range) throw new Error(`not an address range: ${text}`);
      return range;
    });
  // a WEBIRC gateway's connections are counted under their users' addresses (commands/webirc.ts)
  const exempt = ranges([...config.exempt, ...config.webirc.flatMap((g) => g.ranges)]);
  const admission = new Admission({
    maxPerIp: config.limits.maxConnectionsPerIp,
    throttleBurst: config.limits.throttleBurst,
    throttleRatePerMinute: config.limits.throttleRatePerMinute,
    exempt,
  });
  const proxies = new TrustedProxies(ranges(config.proxyFrom), config.limits.proxyHeaderTimeoutMs);
  const info = await createServerInfo(config, log);
  info.rehash = options.rehash;
  info.readmit = (from, to) => {
    const refusal = admission.move(from, to);
    if (refusal) log.info(`${to} (via WEBIRC from ${from}) refused: ${refusal}`);
    return refusal;
  };
  const permanent = new Set(config.permanentChannels.map(foldCase));
  let stores: Stores;
  let hub: Hub | undefined;
  if (config.cluster && !options.stores) {
    // history, accounts and registered channels live in Redis, shared by every node
    const node = await startCluster(config.cluster, config, log);
    stores = node.stores;
    hub = node.hub;
  } else {
    try {
      stores = options.stores ??
        openSqliteStores(config.db, {
          permanent,
          note: (line) => log.info(line),
          log,
          limits: { holdMs: config.history.holdMs },
        });
    } catch (err) {
      if (err instanceof DatabaseOpenError) throw err; // it says what is wrong, in one line
      throw new Error(`cannot open database ${config.db}: ${errorMessage(err)}`);
    }
  }
  try {
    await info.bans.load(stores.bans ?? new MemoryBans(), log);
  } catch (err) {
    if (!options.stores) await stores.close();
    throw new Error(`cannot read the server bans: ${errorMessage(err)}`);
  }
  if (!hub) {
    const local = new LocalHub({
      registry: stores.channels,
      history: stores.history,
      alwaysOn: stores.alwaysOn,
      permanent,
      serverName: info.name,
    });
    if (config.alwaysOn.policy !== "off") {
      const restored = local.restore(await stores.alwaysOn.all(), config.alwaysOn.expireMs);
      if (restored > 0) log.info(`always-on: ${restored} users restored`);
    }
    hub = local;
  }
  let listener: Deno.TcpListener | undefined;
  let extra: ExtraListeners;
  // Set once the server exists: connections accepted a moment before that are turned away.
  const started: { server?: Server } = {};
  try {
    if (config.plain) {
      listener = Deno.listen({ hostname: config.host, port: config.port, transport: "tcp" });
    } else if (!config.tls) {
      throw new Error("no listener: without plain text, TLS certificates are needed");
    }
    extra = await ExtraListeners.open(config, {
      admit: (remote) => started.server ? started.server.admit(remote) : "Server starting",
      release: (remote) => started.server?.release(remote),
      serve: (open) => started.server!.serve(open),
      ops: (req) => started.server?.ops(req),
      proxies,
      proxyFailed: (proxy, reason) => started.server?.proxyFailed(proxy, reason),
    }, log);
  } catch (err) {
    listener?.close();
    if (!options.stores) await stores.close();
    throw err;
  }
  const server = new Server(
    listener,
    info,
    hub,
    admission,
    options.commands ?? COMMANDS,
    stores,
    !options.stores,
    proxies,
  );
  server.extra = extra;
  if (info.sts && extra.tls) info.sts.port = extra.tls.addr.port;
  started.server = server;
  if (listener) log.info(`${info.name} listening on ${config.host}:${server.addr.port}`);
  for (const line of extra.describe(info.name, config.host)) log.info(line);
  if (config.metricsPort !== undefined) {
    try {
      server.metrics.openPort(config.metricsHost, config.metricsPort, log);
    } catch (err) {
      await server.shutdown();
      throw new Error(
        `cannot serve metrics on ${config.metricsHost}:${config.metricsPort}: ${errorMessage(err)}`,
      );
    }
  }
  server.acceptLoop();
  return server;
}
