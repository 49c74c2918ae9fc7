/**
 * The listeners beside the plain IRC port: TLS IRC (`--tls-cert`/`--tls-key`, `--tls-port`) and
 * the web port (`--web-port`). Each hands its connections to the server, which admits them with
 * the same per-IP limits and runs them through the same sessions as plain TCP.
 *
 * @module
 */

import type { ServerConfig } from "./config.ts";
import { StreamConnection } from "./connection.ts";
import type { Logger } from "./log.ts";
import { ReloadableTlsListener, TlsSetupError } from "./tls_listener.ts";
import type { TlsStream } from "./tls_stream.ts";
import { type ListenerHost, WebListener } from "./web_listener.ts";
import { errorMessage } from "../util/error_message.ts";

/** A listener could not start; the message says which, where and why (one line for the CLI). */
export class ListenerSetupError extends Error {
  override name = "ListenerSetupError";
}

/** The optional listeners of one server. */
export class ExtraListeners {
  readonly tls: ReloadableTlsListener | undefined;
  readonly web: WebListener | undefined;
  readonly #log: Logger;

  private constructor(
    tls: ReloadableTlsListener | undefined,
    web: WebListener | undefined,
    log: Logger,
  ) {
    this.tls = tls;
    this.web = web;
    this.#log = log;
  }

  /** Opens what `config` asks for; on any failure closes what it opened and throws. */
  static async open(
    config: ServerConfig,
    host: ListenerHost,
    log: Logger,
  ): Promise<ExtraListeners> {
    let tls: ReloadableTlsListener | undefined;
    try {
      if (config.tls) {
        const sendq = config.limits.sendqBytes;
        tls = await ReloadableTlsListener.open(config.host, config.tlsPort, config.tls, {
          // Refused before the handshake: closed at once, nothing is written (that would wait
          // for a handshake the client may never start).
          admit: (remote) => host.admit(remote) === undefined,
          accepted: (conn: TlsStream) =>
            host.serve((events) => new StreamConnection(conn, sendq, events, true)),
          acceptFailed: (err) => log.error(`TLS accept failed: ${errorMessage(err)}`),
          proxies: host.proxies,
          proxyFailed: (proxy, reason) => host.proxyFailed(proxy, reason),
        }, config.limits.tlsHandshakeTimeoutMs).catch((err) => {
          if (err instanceof TlsSetupError) throw err;
          throw new ListenerSetupError(
            `cannot listen for TLS on ${config.host}:${config.tlsPort}: ${errorMessage(err)}`,
          );
        });
      }
      let web: WebListener | undefined;
      if (config.webPort !== undefined) {
        web = await WebListener.open({
          hostname: config.host,
          port: config.webPort,
          tls: config.tls,
          origins: config.webOrigins,
          sendq: config.limits.sendqBytes,
          tlsHandshakeTimeoutMs: config.limits.tlsHandshakeTimeoutMs,
          headerTimeoutMs: config.limits.httpHeaderTimeoutMs,
          log,
        }, host).catch((err) => {
          if (err instanceof TlsSetupError) throw err;
          throw new ListenerSetupError(
            `cannot serve the web page on ${config.host}:${config.webPort}: ${errorMessage(err)}`,
          );
        });
      }
      return new ExtraListeners(tls, web, log);
    } catch (err) {
      tls?.close();
      if (err instanceof TlsSetupError) throw new ListenerSetupError(err.message);
      throw err;
    }
  }

  /** Log lines naming what listens where. */
  describe(serverName: string, host: string): string[] {
    const lines: string[] = [];
    if (this.tls) lines.push(`${serverName} listening for TLS on ${host}:${this.tls.addr.port}`);
    if (this.web) {
      const scheme = this.web.secure ? "https" : "http";
      const shown = host.includes(":") ? `[${host}]` : host;
      lines.push(
        `${serverName} serving the web page on ${scheme}://${shown}:${this.web.addr.port}/`,
      );
    }
    return lines;
  }

  /**
   * Re-reads the certificate files for the TLS and web ports; each keeps its old certificate
   * when that fails. Logs the outcome; true when everything was reloaded.
   */
  async reload(): Promise<boolean> {
    let ok = true;
    for (const [what, listener] of [["TLS port", this.tls], ["web port", this.web]] as const) {
      if (!listener || (listener instanceof WebListener && !listener.secure)) continue;
      try {
        await listener.reload();
        this.#log.info(`${what}: certificate reloaded`);
      } catch (err) {
        ok = false;
        this.#log.error(
          `${what}: certificate reload failed, still using the old one: ${errorMessage(err)}`,
        );
      }
    }
    return ok;
  }

  /** Stops taking new connections. */
  stopAccepting(): void {
    this.tls?.close();
    this.web?.stopAccepting();
  }

  /** Closes everything; call after the sessions have ended. */
  close(): void {
    this.tls?.close();
    this.web?.close();
  }
}
