/**
 * `chat serve`: options (each also from a `CHAT_*` variable), validation, start-up, logging and
 * signal handling around `startServer`.
 *
 * @module
 */

import { Command, Option } from "@commander-js/extra-typings";
import { DEFAULT_LIMITS, defaultConfig, type ServerConfig } from "../server/config.ts";
import { createLogger, LOG_LEVELS } from "../server/log.ts";
import { type RunningServer, startServer } from "../server/server.ts";
import {
  collectOper,
  parseBytes,
  parseCidrList,
  parseCount,
  parseHost,
  parseNetworkName,
  parsePort,
  parseRate,
  parseSeconds,
  parseServerName,
} from "./options.ts";

const seconds = (ms: number) => String(ms / 1000);

/** The `serve` subcommand. */
export function serveCommand() {
  const d = defaultConfig();
  const L = DEFAULT_LIMITS;
  return new Command("serve")
    .description("run the chat server: IRC and plain text (netcat) on one port")
    .addOption(
      new Option("--host <address>", "address to listen on").env("CHAT_HOST")
        .default(d.host).argParser(parseHost),
    )
    .addOption(
      new Option("-p, --port <number>", "TCP port (0: any free port)").env("CHAT_PORT")
        .default(d.port).argParser(parsePort),
    )
    .addOption(
      new Option("--name <server>", "server name shown to clients").env("CHAT_NAME")
        .default(d.name).argParser(parseServerName),
    )
    .addOption(
      new Option("--network <name>", "network name (ISUPPORT NETWORK)").env("CHAT_NETWORK")
        .default(d.network).argParser(parseNetworkName),
    )
    .addOption(new Option("--motd <file>", "message of the day, a text file").env("CHAT_MOTD"))
    .addOption(
      new Option("--password <password>", "connection password clients must send with PASS")
        .env("CHAT_PASSWORD"),
    )
    .addOption(
      new Option("--oper <name:password>", "server operator credentials (repeatable)")
        .env("CHAT_OPER").argParser(collectOper).default([], "none"),
    )
    .addOption(
      new Option("--log-level <level>", "least severe level logged").env("CHAT_LOG_LEVEL")
        .choices(LOG_LEVELS).default(d.logLevel),
    )
    .addOption(
      new Option("--log-messages", "log every PRIVMSG/NOTICE (off: privacy)").env(
        "CHAT_LOG_MESSAGES",
      ),
    )
    .addOption(
      new Option("--sendq <bytes>", "queued output after which a client is cut off")
        .env("CHAT_SENDQ").default(L.sendqBytes, "512k").argParser(parseBytes),
    )
    .addOption(
      new Option("--recvq <bytes>", "unprocessed input after which a client is cut off")
        .env("CHAT_RECVQ").default(L.recvqBytes, "16k").argParser(parseBytes),
    )
    .addOption(
      new Option("--no-flood-control", "do not delay fast clients (for benchmarks)")
        .env("CHAT_NO_FLOOD_CONTROL"),
    )
    .addOption(
      new Option("--flood-burst <lines>", "commands a client may send at once")
        .env("CHAT_FLOOD_BURST").default(L.floodBurst).argParser(parseCount),
    )
    .addOption(
      new Option("--flood-rate <per-second>", "commands per second after the burst")
        .env("CHAT_FLOOD_RATE").default(L.floodRatePerSecond).argParser(parseRate),
    )
    .addOption(
      new Option("--max-connections-per-ip <n>", "concurrent connections per IP (0: no limit)")
        .env("CHAT_MAX_CONNECTIONS_PER_IP").default(L.maxConnectionsPerIp).argParser(parseCount),
    )
    .addOption(
      new Option("--connection-throttle <per-minute>", "new connections per IP per minute (0: off)")
        .env("CHAT_CONNECTION_THROTTLE").default(L.throttleRatePerMinute).argParser(parseCount),
    )
    .addOption(
      new Option("--exempt <cidrs>", "address ranges without per-IP limits, or none")
        .env("CHAT_EXEMPT").default(d.exempt, d.exempt.join(",")).argParser(parseCidrList),
    )
    .addOption(
      new Option("--max-channels <n>", "channels one user may join")
        .env("CHAT_MAX_CHANNELS").default(L.maxChannels).argParser(parseCount),
    )
    .addOption(
      new Option("--max-targets <n>", "targets of one PRIVMSG/NOTICE")
        .env("CHAT_MAX_TARGETS").default(L.maxTargets).argParser(parseCount),
    )
    .addOption(
      new Option("--registration-timeout <seconds>", "time allowed to register")
        .env("CHAT_REGISTRATION_TIMEOUT")
        .default(L.registrationTimeoutMs, seconds(L.registrationTimeoutMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option("--ping-interval <seconds>", "idle time before the server sends PING")
        .env("CHAT_PING_INTERVAL")
        .default(L.pingIntervalMs, seconds(L.pingIntervalMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option("--ping-timeout <seconds>", "time to answer PING before being dropped")
        .env("CHAT_PING_TIMEOUT")
        .default(L.pingTimeoutMs, seconds(L.pingTimeoutMs))
        .argParser(parseSeconds),
    )
    .action(async (opts, command) => {
      let motd: string[] | undefined;
      if (opts.motd !== undefined) {
        try {
          motd = (await Deno.readTextFile(opts.motd)).replace(/\r?\n$/, "").split(/\r?\n/);
        } catch (err) {
          command.error(`error: cannot read MOTD file ${opts.motd}: ${(err as Error).message}`);
        }
      }
      const config: ServerConfig = defaultConfig({
        host: opts.host,
        port: opts.port,
        name: opts.name,
        network: opts.network,
        motd,
        password: opts.password,
        opers: [...opts.oper],
        logLevel: opts.logLevel,
        logMessages: opts.logMessages === true,
        floodControl: opts.floodControl,
        exempt: [...opts.exempt],
        limits: {
          ...L,
          sendqBytes: opts.sendq,
          recvqBytes: opts.recvq,
          floodBurst: Math.max(1, opts.floodBurst),
          floodRatePerSecond: opts.floodRate,
          maxConnectionsPerIp: opts.maxConnectionsPerIp,
          throttleBurst: opts.connectionThrottle,
          throttleRatePerMinute: opts.connectionThrottle,
          maxChannels: Math.max(1, opts.maxChannels),
          maxTargets: Math.max(1, opts.maxTargets),
          registrationTimeoutMs: opts.registrationTimeout,
          pingIntervalMs: opts.pingInterval,
          pingTimeoutMs: opts.pingTimeout,
        },
      });
      const log = createLogger(config.logLevel);
      const server: RunningServer = await startServer(config, { log }).catch((err) =>
        command.error(`error: cannot listen on ${config.host}:${config.port}: ${err.message}`)
      );
      const stop = () => {
        server.shutdown().then(() => Deno.exit(0));
      };
      Deno.addSignalListener("SIGINT", stop);
      if (Deno.build.os !== "windows") Deno.addSignalListener("SIGTERM", stop);
      await server.done;
    });
}
