/**
 * `chat serve`: options (each also from a `CHAT_*` variable), validation, start-up, logging and
 * signal handling around `startServer`.
 *
 * @module
 */

import { Command, Option } from "@commander-js/extra-typings";
import {
  ALWAYS_ON_POLICIES,
  DEFAULT_ALWAYS_ON,
  DEFAULT_CLUSTER,
  DEFAULT_HISTORY,
  DEFAULT_LIMITS,
  defaultConfig,
  type ServerConfig,
} from "../server/config.ts";
import { defaultDatabasePath } from "../server/store/database.ts";
import { DatabaseOpenError } from "../server/store/sqlite_failure.ts";
import { createLogger, LOG_LEVELS } from "../server/log.ts";
import { ListenerSetupError } from "../server/extra_listeners.ts";
import { type RunningServer, startServer } from "../server/server.ts";
import { randomNodeId } from "../server/cluster/start.ts";
import {
  collectChannels,
  collectCidrs,
  collectOper,
  collectOrigins,
  collectWebirc,
  parseBytes,
  parseCidrList,
  parseClusterUrl,
  parseCount,
  parseHost,
  parseNetworkName,
  parseNodeId,
  parsePort,
  parseRate,
  parseSeconds,
  parseServerName,
} from "./options.ts";
import { errorMessage } from "../util/error_message.ts";
import { applyConfigFile } from "./config_file.ts";
import { createReloader } from "./rehash.ts";
import {
  effectiveSettings,
  formatSettings,
  type RawValues,
  recordRawValues,
  type Setting,
} from "./effective_config.ts";

const seconds = (ms: number) => String(ms / 1000);
const DAY = 24 * 3600 * 1000;

/**
 * Exit status when the database file is damaged or not a database (EX_DATAERR): starting again
 * cannot help, so contrib/chat.service does not restart on it (RestartPreventExitStatus).
 */
export const EXIT_BAD_DATABASE = 65;

/** The `serve` options, without the action: REHASH parses them again from a fresh copy. */
function serveOptions() {
  const d = defaultConfig();
  const L = DEFAULT_LIMITS;
  const H = DEFAULT_HISTORY;
  const AO = DEFAULT_ALWAYS_ON;
  return new Command("serve")
    .description("run the chat server: IRC and plain text (netcat) on one port")
    .addOption(
      new Option("--config <file>", "settings file, TOML: keys named as these options")
        .env("CHAT_CONFIG"),
    )
    .addOption(
      new Option("--print-config", "print the effective settings as TOML (secrets masked), exit"),
    )
    .addOption(
      new Option("--host <address>", "address to listen on").env("CHAT_HOST")
        .default(d.host).argParser(parseHost),
    )
    .addOption(
      new Option("-p, --port <number>", "TCP port (0: any free port)").env("CHAT_PORT")
        .default(d.port).argParser(parsePort),
    )
    .addOption(
      new Option("--tls-cert <file>", "TLS certificate chain, PEM; reloaded on SIGHUP")
        .env("CHAT_TLS_CERT"),
    )
    .addOption(
      new Option("--tls-key <file>", "TLS private key, PEM; reloaded on SIGHUP").env(
        "CHAT_TLS_KEY",
      ),
    )
    .addOption(
      new Option("--tls-port <number>", "TLS port for IRC (with --tls-cert)").env("CHAT_TLS_PORT")
        .default(d.tlsPort).argParser(parsePort),
    )
    .addOption(
      new Option("--no-plain", "no unencrypted IRC port: TLS only").env("CHAT_NO_PLAIN"),
    )
    .addOption(
      new Option("--sts-duration <days>", "days clients keep to TLS (IRCv3 STS; 0: withdraw)")
        .env("CHAT_STS_DURATION").default(d.stsDurationS, String(d.stsDurationS * 1000 / DAY))
        .argParser((v) => parseCount(v) * DAY / 1000),
    )
    .addOption(
      new Option("--web-port <number>", "HTTP port of the web page and WebSocket (default: off)")
        .env("CHAT_WEB_PORT").argParser(parsePort),
    )
    .addOption(
      new Option("--web-origin <origins>", "other sites whose pages may connect (repeatable, or *)")
        .env("CHAT_WEB_ORIGIN").argParser(collectOrigins).default([], "the page's own"),
    )
    .addOption(
      new Option("--metrics-port <number>", "HTTP port of /metrics and /healthz (default: off)")
        .env("CHAT_METRICS_PORT").argParser(parsePort),
    )
    .addOption(
      new Option("--metrics-host <address>", "address the metrics port binds")
        .env("CHAT_METRICS_HOST").default(d.metricsHost),
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
      new Option(
        "--oper <name[/class]:password>",
        "server operator credentials, with an oper class (repeatable)",
      )
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
      new Option("--db <path>", "SQLite file for history and accounts (:memory: keeps nothing)")
        .env("CHAT_DB").default(defaultDatabasePath()),
    )
    .addOption(
      new Option(
        "--cluster <redis-url>",
        "join a cluster of nodes sharing one network through Redis: redis://host:port[/db]",
      ).env("CHAT_CLUSTER").argParser(parseClusterUrl),
    )
    .addOption(
      new Option("--node-id <id>", "this node's id in the cluster (default: random, logged)")
        .env("CHAT_NODE_ID").argParser(parseNodeId),
    )
    .addOption(
      new Option("--cluster-lease <seconds>", "a stopped node's users leave after this long")
        .env("CHAT_CLUSTER_LEASE")
        .default(DEFAULT_CLUSTER.leaseMs, seconds(DEFAULT_CLUSTER.leaseMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option(
        "--cluster-hold <seconds>",
        "while Redis is away, how long messages wait before senders are told",
      )
        .env("CHAT_CLUSTER_HOLD")
        .default(DEFAULT_CLUSTER.holdMs, seconds(DEFAULT_CLUSTER.holdMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option(
        "--permanent-channel <channels>",
        "channels whose history outlives them, like registered ones (repeatable, or none)",
      ).env("CHAT_PERMANENT_CHANNEL").argParser(collectChannels)
        .default(undefined, d.permanentChannels.join(",")),
    )
    .addOption(
      new Option("--always-on <policy>", "accounts that stay present with no connection")
        .env("CHAT_ALWAYS_ON").choices(ALWAYS_ON_POLICIES).default(AO.policy),
    )
    .addOption(
      new Option(
        "--always-on-expire <days>",
        "days an always-on user may go unseen before it ends (0: never)",
      )
        .env("CHAT_ALWAYS_ON_EXPIRE").default(AO.expireMs, String(AO.expireMs / DAY))
        .argParser((v) => parseCount(v) * DAY),
    )
    .addOption(
      new Option(
        "--history-replay <lines>",
        "lines replayed on JOIN to clients without chathistory",
      )
        .env("CHAT_HISTORY_REPLAY").default(H.replayLines).argParser(parseCount),
    )
    .addOption(
      new Option("--history-max-age <days>", "delete messages older than this (0: never)")
        .env("CHAT_HISTORY_MAX_AGE").default(H.maxAgeMs, String(H.maxAgeMs / DAY))
        .argParser((v) => parseCount(v) * DAY),
    )
    .addOption(
      new Option(
        "--history-max-per-target <n>",
        "messages kept per channel or conversation (0: all)",
      )
        .env("CHAT_HISTORY_MAX_PER_TARGET").default(H.maxPerTarget).argParser(parseCount),
    )
    .addOption(
      new Option(
        "--history-hold <seconds>",
        "while the database refuses writes, how long echoes and PONGs wait before clients are told",
      )
        .env("CHAT_HISTORY_HOLD")
        .default(H.holdMs, seconds(H.holdMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option("--nick-grace <seconds>", "time to log in before a registered nick is taken back")
        .env("CHAT_NICK_GRACE")
        .default(L.nickGraceMs, seconds(L.nickGraceMs))
        .argParser(parseSeconds),
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
      new Option(
        "--proxy-from <cidrs>",
        "trusted proxies: PROXY protocol on the IRC/TLS ports, X-Forwarded-For on the web port (repeatable)",
      ).env("CHAT_PROXY_FROM").argParser(collectCidrs).default([], "none"),
    )
    .addOption(
      new Option(
        "--webirc <name:password@cidrs>",
        "a trusted WEBIRC gateway, from these ranges (repeatable); only a hash is kept",
      ).env("CHAT_WEBIRC").argParser(collectWebirc).default([], "none"),
    )
    .addOption(
      new Option("--max-channels <n>", "channels one user may join")
        .env("CHAT_MAX_CHANNELS").default(L.maxChannels).argParser(parseCount),
    )
    .addOption(
      new Option("--max-sessions <n>", "connections attached to one account's user at once")
        .env("CHAT_MAX_SESSIONS").default(L.maxSessions).argParser(parseCount),
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
      new Option("--tls-handshake-timeout <seconds>", "time allowed for a TLS handshake")
        .env("CHAT_TLS_HANDSHAKE_TIMEOUT")
        .default(L.tlsHandshakeTimeoutMs, seconds(L.tlsHandshakeTimeoutMs))
        .argParser(parseSeconds),
    )
    .addOption(
      new Option("--http-header-timeout <seconds>", "time allowed for an HTTP request head")
        .env("CHAT_HTTP_HEADER_TIMEOUT")
        .default(L.httpHeaderTimeoutMs, seconds(L.httpHeaderTimeoutMs))
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
    );
}

/** The parsed `serve` command. */
type ServeCommand = ReturnType<typeof serveOptions>;

/** The configuration `chat serve` runs with, and its settings as a file would write them. */
export interface ResolvedConfig {
  config: ServerConfig;
  settings: Map<string, Setting>;
}

/**
 * Applies `--config` under the flags and variables, checks what goes together and builds the
 * server's configuration; a problem ends in `command.error` (one line, non-zero exit).
 */
async function resolveConfig(command: ServeCommand, given: RawValues): Promise<ResolvedConfig> {
  const d = defaultConfig();
  const L = DEFAULT_LIMITS;
  const H = DEFAULT_HISTORY;
  const snapshot: RawValues = new Map(given);
  let fromFile = new Map<string, unknown>();
  const file = command.opts().config;
  if (file !== undefined) {
    try {
      fromFile = await applyConfigFile(command, file);
    } catch (err) {
      command.error(`error: ${errorMessage(err)}`);
    }
  }
  const opts = command.opts();
  let motd: string[] | undefined;
  if (opts.motd !== undefined) {
    try {
      motd = (await Deno.readTextFile(opts.motd)).replace(/\r?\n$/, "").split(/\r?\n/);
    } catch (err) {
      command.error(`error: cannot read MOTD file ${opts.motd}: ${errorMessage(err)}`);
    }
  }
  if ((opts.tlsCert === undefined) !== (opts.tlsKey === undefined)) {
    command.error("error: --tls-cert and --tls-key go together");
  }
  if (!opts.plain && opts.tlsCert === undefined) {
    command.error("error: --no-plain needs --tls-cert and --tls-key");
  }
  const config: ServerConfig = defaultConfig({
    host: opts.host,
    port: opts.port,
    plain: opts.plain,
    tls: opts.tlsCert !== undefined && opts.tlsKey !== undefined
      ? { certFile: opts.tlsCert, keyFile: opts.tlsKey }
      : undefined,
    tlsPort: opts.tlsPort,
    stsDurationS: opts.stsDuration,
    webPort: opts.webPort,
    webOrigins: [...opts.webOrigin],
    metricsPort: opts.metricsPort,
    metricsHost: opts.metricsHost,
    name: opts.name,
    network: opts.network,
    motd,
    password: opts.password,
    opers: [...opts.oper],
    logLevel: opts.logLevel,
    logMessages: opts.logMessages === true,
    floodControl: opts.floodControl,
    exempt: [...opts.exempt],
    proxyFrom: [...opts.proxyFrom],
    webirc: [...opts.webirc],
    db: opts.db,
    permanentChannels: opts.permanentChannel ?? d.permanentChannels,
    cluster: opts.cluster === undefined ? undefined : {
      url: opts.cluster,
      nodeId: opts.nodeId ?? randomNodeId(),
      leaseMs: opts.clusterLease,
      holdMs: opts.clusterHold,
    },
    alwaysOn: { policy: opts.alwaysOn, expireMs: opts.alwaysOnExpire },
    history: {
      ...H,
      replayLines: opts.historyReplay,
      maxAgeMs: opts.historyMaxAge,
      maxPerTarget: opts.historyMaxPerTarget,
      holdMs: opts.historyHold,
    },
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
      maxSessions: Math.max(1, opts.maxSessions),
      maxTargets: Math.max(1, opts.maxTargets),
      registrationTimeoutMs: opts.registrationTimeout,
      tlsHandshakeTimeoutMs: opts.tlsHandshakeTimeout,
      httpHeaderTimeoutMs: opts.httpHeaderTimeout,
      pingIntervalMs: opts.pingInterval,
      pingTimeoutMs: opts.pingTimeout,
      nickGraceMs: opts.nickGrace,
    },
  });
  return { config, settings: effectiveSettings(command, snapshot, fromFile) };
}

/**
 * Reads the settings again as at start (same arguments and variables, the file as it is now)
 * for SIGHUP and REHASH; throws with the one-line reason when they are bad.
 */
export async function reloadConfig(args: string[]): Promise<ResolvedConfig> {
  const command = serveOptions().exitOverride().configureOutput({
    writeOut: () => {},
    writeErr: () => {},
  });
  const given = recordRawValues(command);
  let resolved: ResolvedConfig | undefined;
  command.action(async () => {
    resolved = await resolveConfig(command, given);
  });
  try {
    await command.parseAsync(args, { from: "user" });
  } catch (err) {
    throw new Error(errorMessage(err).replace(/^error: /, ""));
  }
  if (!resolved) throw new Error("no configuration");
  return resolved;
}

/** The `serve` subcommand. */
export function serveCommand() {
  const command = serveOptions();
  const given = recordRawValues(command);
  return command.action(async (_opts, command) => {
    const { config, settings } = await resolveConfig(command, given);
    if (command.opts().printConfig) {
      console.log(formatSettings(settings).trimEnd());
      Deno.exit(0);
    }
    const log = createLogger(config.logLevel);
    // the arguments after `serve`, as given: a reload reads them as at start
    const args = Deno.args.slice(Deno.args.indexOf("serve") + 1);
    const reload = createReloader(() => reloadConfig(args), settings, () => server, log);
    const rehash = { file: command.opts().config ?? "*", run: reload };
    const server: RunningServer = await startServer(config, { log, rehash }).catch((err) =>
      err instanceof DatabaseOpenError
        ? command.error(`error: ${err.message}`, {
          exitCode: err.problem === "damaged" || err.problem === "not-a-database"
            ? EXIT_BAD_DATABASE
            : 1,
        })
        : command.error(
          err instanceof ListenerSetupError
            ? `error: ${err.message}`
            : err instanceof Deno.errors.AddrInUse ||
                err instanceof Deno.errors.AddrNotAvailable ||
                err instanceof Deno.errors.PermissionDenied &&
                  String(err.message).includes("bind")
            ? `error: cannot listen on ${config.host}:${config.port}: ${err.message}`
            : `error: cannot start: ${errorMessage(err)}`,
        )
    );
    const stop = () => {
      server.shutdown().then(() => Deno.exit(0));
    };
    Deno.addSignalListener("SIGINT", stop);
    if (Deno.build.os !== "windows") {
      Deno.addSignalListener("SIGTERM", stop);
      // `systemctl reload`, certbot's deploy hook: the configuration file, MOTD and certificates
      // are read again; new connections get the new certificate, existing ones carry on.
      Deno.addSignalListener("SIGHUP", () => {
        log.info("SIGHUP: reloading the configuration");
        reload();
      });
    }
    await server.done;
  });
}
