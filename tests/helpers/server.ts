/**
 * Starts an in-process server on an ephemeral loopback port for integration tests.
 *
 * @module
 */

import { defaultConfig, type Limits, type ServerConfig } from "../../server/config.ts";
import { silentLogger } from "../../server/log.ts";
import { type RunningServer, type ServerOptions, startServer } from "../../server/server.ts";

/** A server on 127.0.0.1 with a free port, quiet logs, and overrides for the test. */
export function testServer(
  overrides: Partial<Omit<ServerConfig, "limits">> & { limits?: Partial<Limits> } = {},
  options: ServerOptions = {},
): Promise<RunningServer> {
  const { limits, ...rest } = overrides;
  const config = defaultConfig({ port: 0, ...rest });
  Object.assign(config.limits, limits);
  return startServer(config, { log: silentLogger, ...options });
}
