/**
 * `--metrics-port`: a small HTTP server answering only /metrics and /healthz (endpoints.ts), bound
 * to `--metrics-host` (loopback by default). Everyone who can connect may scrape, so it stays on
 * loopback or a monitoring network.
 *
 * @module
 */

import type { Logger } from "../log.ts";
import { opsResponse, type OpsSource } from "./endpoints.ts";

/** The running metrics port. */
export interface MetricsPort {
  readonly addr: Deno.NetAddr;
  close(): Promise<void>;
}

/** Binds the port (throws when it cannot). */
export function openMetricsPort(
  hostname: string,
  port: number,
  source: OpsSource,
  log: Logger,
): MetricsPort {
  const server = Deno.serve({
    hostname,
    port,
    onListen: () => {},
    onError: (err) => {
      log.error(`metrics port: ${err}`);
      return new Response("Internal error\n", { status: 500 });
    },
  }, (request, info) => {
    const url = new URL(request.url);
    const res = opsResponse(
      {
        method: request.method,
        path: url.pathname,
        remote: info.remoteAddr.hostname,
        forwarded: false,
      },
      source,
      true,
    );
    if (!res) return new Response("Not found\n", { status: 404 });
    return new Response(res.body as Uint8Array<ArrayBuffer> | null, {
      status: res.status,
      headers: res.headers,
    });
  });
  return {
    addr: server.addr,
    close: () => server.shutdown(),
  };
}
