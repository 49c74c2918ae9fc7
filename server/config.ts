/**
 * Everything `chat serve` can be told, with the defaults a zero-config start uses.
 *
 * @module
 */

import type { LogLevel } from "./log.ts";

/** Protocol and resource limits; advertised in ISUPPORT where IRC has a token for them. */
export interface Limits {
  nickLength: number;
  channelLength: number;
  topicLength: number;
  kickLength: number;
  awayLength: number;
  realnameLength: number;
  /** Channels one user may be in (CHANLIMIT). */
  maxChannels: number;
  /** Connections attached to one account's user at once (devices on one nick). */
  maxSessions: number;
  /** Nicks on one session's MONITOR list (ISUPPORT `MONITOR`). */
  maxMonitor: number;
  /** Targets of one PRIVMSG/NOTICE (TARGMAX). */
  maxTargets: number;
  /** Mode changes with a parameter per MODE command (MODES). */
  modesPerCommand: number;
  /** Masks per channel in +b, +e and +I together (MAXLIST=beI). */
  maxBans: number;
  /** Bytes queued for a client before it is disconnected. */
  sendqBytes: number;
  /** Bytes of received, not yet processed lines (flood-delayed) before "Excess flood". */
  recvqBytes: number;
  /** Flood control: commands in a burst, then this many per second; excess is delayed. */
  floodBurst: number;
  floodRatePerSecond: number;
  /** Concurrent connections per IP (0: unlimited), outside `exempt`. */
  maxConnectionsPerIp: number;
  /** New connections per IP: a burst, then a rate per minute (0: no throttle). */
  throttleBurst: number;
  throttleRatePerMinute: number;
  /** Time to complete registration after connecting. */
  registrationTimeoutMs: number;
  /** Time a TLS client has to complete its handshake (IRC and web ports). */
  tlsHandshakeTimeoutMs: number;
  /**
   * Time an HTTP client has to send a complete request head on the web port, counted from the
   * connection or the end of the previous response (so it also ends idle keep-alive connections).
   */
  httpHeaderTimeoutMs: number;
  /** Time a trusted proxy (`--proxy-from`) has to send its PROXY header after connecting. */
  proxyHeaderTimeoutMs: number;
  /** Idle time before the server sends PING. */
  pingIntervalMs: number;
  /** Time to answer that PING before the client is dropped. */
  pingTimeoutMs: number;
  /** Silence after connecting that marks a plain-text (netcat) user. */
  plainTextAfterMs: number;
  /** Time a user holding a registered nick has to log in before being renamed. */
  nickGraceMs: number;
  /** Time a client's multiline batch may stay open before it is dropped (FAIL BATCH TIMEOUT). */
  batchTimeoutMs: number;
}

/** What history keeps and replays. */
export interface HistoryConfig {
  /** Lines replayed on JOIN to clients without `draft/chathistory` (0: none). */
  replayLines: number;
  /** Most messages one CHATHISTORY request returns (ISUPPORT CHATHISTORY). */
  queryLimit: number;
  /** Messages older than this are pruned (0: kept forever). */
  maxAgeMs: number;
  /** At most this many messages per channel or private conversation (0: no limit). */
  maxPerTarget: number;
  /**
   * While the database refuses writes, how long echoes and PONGs wait for it before their
   * clients are told that messages are not being stored (store/outage.ts).
   */
  holdMs: number;
  /** How long senders may REDACT their own messages (0: as long as history keeps them). */
  redactWindowMs: number;
}

/** Operator credentials as given on the command line (`--oper NAME[/CLASS]:PASSWORD`). */
export interface OperCredential {
  name: string;
  password: string;
  /** A built-in oper class or `+`-joined privileges (oper_privileges.ts); absent: all. */
  operClass?: string;
}

/** A trusted WEBIRC gateway as given (`--webirc NAME:PASSWORD@CIDRS`). */
export interface WebircGatewayConfig {
  name: string;
  password: string;
  /** Where the gateway connects from (CIDR): the only addresses WEBIRC is taken from. */
  ranges: string[];
}

/** PEM files of a TLS certificate chain and its private key; re-read on SIGHUP. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/** Cluster mode: several `chat serve` nodes sharing one network through Redis. */
export interface ClusterConfig {
  /** `redis://host:port[/db]`. */
  url: string;
  /** This node's id (shown in the log; part of every user id of the node). */
  nodeId: string;
  /** The node's lease in Redis: others remove its users this long after it stops renewing. */
  leaseMs: number;
  /** How long what local users send waits for Redis to come back before they are told. */
  holdMs: number;
}

/** Lease and hold-time defaults of cluster mode. */
export const DEFAULT_CLUSTER = { leaseMs: 5_000, holdMs: 15_000 } as const;

/** The configuration of one server process. */
export interface ServerConfig {
  host: string;
  port: number;
  /** Listen for unencrypted IRC on `port` (false: `--no-plain`, TLS only). */
  plain: boolean;
  /** Certificate and key for the TLS port and the web port; undefined: no TLS. */
  tls: TlsFiles | undefined;
  /** The TLS IRC port (used only with `tls`). */
  tlsPort: number;
  /**
   * Seconds IRCv3 STS clients keep to TLS once they have seen it (with `tls`); 0 withdraws the
   * policy (advertised as `duration=0` over TLS, not at all over plain text).
   */
  stsDurationS: number;
  /** The HTTP(S) port of the web page and the WebSocket endpoint; undefined: off. */
  webPort: number | undefined;
  /** Origins, besides the page's own, whose pages may open a WebSocket (`*`: any). */
  webOrigins: string[];
  /** The port of /metrics and /healthz alone (metrics/metrics_port.ts); undefined: off. */
  metricsPort: number | undefined;
  /** The address the metrics port binds (loopback: the metrics reveal the server's load). */
  metricsHost: string;
  /** Server name: the source of numerics, shown in WHOIS. */
  name: string;
  /** Network name (ISUPPORT NETWORK). */
  network: string;
  /** MOTD lines; undefined sends 422. */
  motd: string[] | undefined;
  /** Connection password required with PASS; undefined accepts everyone. */
  password: string | undefined;
  opers: OperCredential[];
  logLevel: LogLevel;
  /** One log line per delivered PRIVMSG/NOTICE (off by default: privacy). */
  logMessages: boolean;
  /** Where plain-text users land. */
  defaultChannel: string;
  /**
   * Channels whose history outlives them, as a registered channel's does (an unregistered
   * channel's history ends with the channel).
   */
  permanentChannels: string[];
  /** Delay commands past the flood limits (off for benchmarks). */
  floodControl: boolean;
  /** Address ranges (CIDR) exempt from per-IP connection limits. */
  exempt: string[];
  /**
   * Trusted proxies (CIDR): their IRC and TLS connections start with a PROXY protocol header,
   * their web requests' `Forwarded`/`X-Forwarded-For` are believed; the client's address in them
   * is the one limited, logged and shown.
   */
  proxyFrom: string[];
  /** Trusted WEBIRC gateways; their ranges are exempt from per-IP limits until WEBIRC. */
  webirc: WebircGatewayConfig[];
  /** The SQLite database file, or `:memory:`. */
  db: string;
  /** Cluster mode (history and accounts then live in Redis, not in `db`); undefined: alone. */
  cluster: ClusterConfig | undefined;
  alwaysOn: AlwaysOnConfig;
  history: HistoryConfig;
  limits: Limits;
}

/**
 * Which accounts stay present with no connection: every account unless it opts out
 * (`default-on`), only those that opt in (`NICKSERV SET ALWAYS-ON on`), or none.
 */
export type AlwaysOnPolicy = "default-on" | "opt-in" | "off";

/** The policies `--always-on` takes. */
export const ALWAYS_ON_POLICIES: readonly AlwaysOnPolicy[] = ["default-on", "opt-in", "off"];

/** The always-on policy and how long an always-on user may stay away before it ends. */
export interface AlwaysOnConfig {
  policy: AlwaysOnPolicy;
  /** An always-on user unseen this long becomes an ordinary offline account (0: never). */
  expireMs: number;
}

/** Always-on by default, for 30 days without a connection (Ergo's default is the same). */
export const DEFAULT_ALWAYS_ON: AlwaysOnConfig = {
  policy: "default-on",
  expireMs: 30 * 24 * 3600 * 1000,
};

/**
 * 30 days: long enough that a client seldom reaching the server stays upgraded (the spec asks for
 * a duration measured in months rather than minutes), short enough to recover from losing TLS.
 */
export const DEFAULT_STS_DURATION_S = 30 * 24 * 3600;

/** A TLS handshake not done by then is a stalled or hostile client: its socket is closed. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** An HTTP request head not complete by then is a stalled client (slowloris): it is closed. */
export const HTTP_HEADER_TIMEOUT_MS = 10_000;

/** Defaults chosen next to Ergo's, InspIRCd's and ngIRCd's (see README). */
export const DEFAULT_LIMITS: Limits = {
  nickLength: 30,
  channelLength: 64,
  topicLength: 390,
  kickLength: 390,
  awayLength: 390,
  realnameLength: 150,
  maxChannels: 100,
  maxSessions: 8,
  maxMonitor: 100,
  maxTargets: 4,
  modesPerCommand: 6,
  maxBans: 100,
  sendqBytes: 512 * 1024,
  recvqBytes: 16 * 1024,
  floodBurst: 10,
  floodRatePerSecond: 2,
  maxConnectionsPerIp: 16,
  throttleBurst: 20,
  throttleRatePerMinute: 20,
  registrationTimeoutMs: 60_000,
  tlsHandshakeTimeoutMs: TLS_HANDSHAKE_TIMEOUT_MS,
  httpHeaderTimeoutMs: HTTP_HEADER_TIMEOUT_MS,
  proxyHeaderTimeoutMs: 5_000,
  pingIntervalMs: 90_000,
  pingTimeoutMs: 60_000,
  plainTextAfterMs: 1_000,
  nickGraceMs: 30_000,
  batchTimeoutMs: 15_000,
};

/** History defaults: a screenful on join, a year of messages, Ergo's 1000-line query limit. */
export const DEFAULT_HISTORY: HistoryConfig = {
  replayLines: 30,
  queryLimit: 1000,
  maxAgeMs: 365 * 24 * 3600 * 1000,
  maxPerTarget: 100_000,
  holdMs: 5_000,
  redactWindowMs: 3600 * 1000,
};

/** A complete configuration with every default filled in. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: "127.0.0.1",
    port: 6667,
    plain: true,
    tls: undefined,
    tlsPort: 6697,
    stsDurationS: DEFAULT_STS_DURATION_S,
    webPort: undefined,
    webOrigins: [],
    metricsPort: undefined,
    metricsHost: "127.0.0.1",
    name: "chat.local",
    network: "chat",
    motd: undefined,
    password: undefined,
    opers: [],
    logLevel: "info",
    logMessages: false,
    defaultChannel: "#lobby",
    permanentChannels: ["#lobby"],
    floodControl: true,
    exempt: ["127.0.0.0/8", "::1/128"],
    proxyFrom: [],
    webirc: [],
    db: ":memory:",
    cluster: undefined,
    alwaysOn: DEFAULT_ALWAYS_ON,
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
    history: { ...DEFAULT_HISTORY, ...overrides.history },
  };
}
