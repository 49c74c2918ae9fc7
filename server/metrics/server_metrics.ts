/**
 * The server's side of /metrics and /healthz: counts its sessions by transport and reads the hub
 * for a scrape, says whether it is healthy (accepting, with a writable store), and runs the
 * event-loop monitor and the `--metrics-port` listener for as long as the server runs.
 *
 * @module
 */

import type { Hub } from "../hub.ts";
import type { Logger } from "../log.ts";
import type { SessionDriver } from "../session_driver.ts";
import type { Stores } from "../store/stores.ts";
import type { PageResponse } from "../web_page.ts";
import { type OpsRequest, opsResponse, type OpsSource } from "./endpoints.ts";
import { EventLoopMonitor } from "./event_loop.ts";
import { renderExposition } from "./exposition.ts";
import { type MetricsPort, openMetricsPort } from "./metrics_port.ts";
import { scrapeFamilies, type Transport } from "./scrape.ts";

/**
 * The store is probed at most this often: a flood of /healthz requests cannot make the server
 * ask SQLite for its write lock more than once a second.
 */
const PROBE_EVERY_MS = 1000;

/** What the metrics read of the server. */
export interface MetricsHost {
  hub: Hub;
  stores: Stores;
  sessions: ReadonlySet<SessionDriver>;
  stopping(): boolean;
}

/** The transport of one session. */
function transportOf(driver: SessionDriver): Transport {
  if (driver.session.plainText) return "plaintext";
  const connection = driver.connection;
  if (connection.remote) return "moved";
  if (!connection.canBePlainText) return "websocket";
  return connection.secure ? "tls" : "tcp";
}

/** The metrics and health of one running server. */
export class ServerMetrics implements OpsSource {
  readonly #host: MetricsHost;
  readonly #loop = new EventLoopMonitor();
  #port: MetricsPort | undefined;
  #probedAt = -Infinity;
  #storeProblem: string | undefined;

  constructor(host: MetricsHost) {
    this.#host = host;
    this.#loop.start();
  }

  /** The metrics port's address, when it is open. */
  get portAddr(): Deno.NetAddr | undefined {
    return this.#port?.addr;
  }

  /** Opens `--metrics-port` (throws when it cannot bind). */
  openPort(hostname: string, port: number, log: Logger): void {
    this.#port = openMetricsPort(hostname, port, this, log);
    const shown = hostname.includes(":") ? `[${hostname}]` : hostname;
    log.info(`metrics on http://${shown}:${this.#port.addr.port}/metrics`);
  }

  /** The answer to a /metrics or /healthz request; `trusted` on the metrics port. */
  answer(req: OpsRequest, trusted: boolean): PageResponse | undefined {
    return opsResponse(req, this, trusted);
  }

  metricsText(): string {
    const { hub, sessions } = this.#host;
    const connections: Record<Transport, number> = {
      tcp: 0,
      tls: 0,
      websocket: 0,
      plaintext: 0,
      moved: 0,
    };
    for (const driver of sessions) connections[transportOf(driver)]++;
    let alwaysOnUsers = 0;
    for (const user of hub.users()) if (user.alwaysOn) alwaysOnUsers++;
    const stats = hub.stats();
    return renderExposition(scrapeFamilies({
      connections,
      users: stats.localUsers ?? stats.users,
      alwaysOnUsers,
      channels: stats.channels,
      healthy: this.healthProblem() === undefined,
    }, this.#loop));
  }

  healthProblem(): string | undefined {
    if (this.#host.stopping()) return "shutting down";
    const now = performance.now();
    if (now - this.#probedAt >= PROBE_EVERY_MS) {
      this.#probedAt = now;
      this.#storeProblem = this.#host.stores.writeProblem?.();
    }
    return this.#storeProblem;
  }

  /** Stops the monitor and the metrics port. */
  async close(): Promise<void> {
    this.#loop.stop();
    await this.#port?.close();
    this.#port = undefined;
  }
}
