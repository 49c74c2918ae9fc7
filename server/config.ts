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
  /** Targets of one PRIVMSG/NOTICE (TARGMAX). */
  maxTargets: number;
  /** Mode changes with a parameter per MODE command (MODES). */
  modesPerCommand: number;
  /** Bans per channel (MAXLIST). */
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
  /** Idle time before the server sends PING. */
  pingIntervalMs: number;
  /** Time to answer that PING before the client is dropped. */
  pingTimeoutMs: number;
  /** Silence after connecting that marks a plain-text (netcat) user. */
  plainTextAfterMs: number;
}

/** Operator credentials as given on the command line (`--oper NAME:PASSWORD`). */
export interface OperCredential {
  name: string;
  password: string;
}

/** The configuration of one server process. */
export interface ServerConfig {
  host: string;
  port: number;
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
  /** Delay commands past the flood limits (off for benchmarks). */
  floodControl: boolean;
  /** Address ranges (CIDR) exempt from per-IP connection limits. */
  exempt: string[];
  limits: Limits;
}

/** Defaults chosen next to Ergo's, InspIRCd's and ngIRCd's (see README). */
export const DEFAULT_LIMITS: Limits = {
  nickLength: 30,
  channelLength: 64,
  topicLength: 390,
  kickLength: 390,
  awayLength: 390,
  realnameLength: 150,
  maxChannels: 100,
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
  pingIntervalMs: 90_000,
  pingTimeoutMs: 60_000,
  plainTextAfterMs: 1_000,
};

/** A complete configuration with every default filled in. */
export function defaultConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  return {
    host: "127.0.0.1",
    port: 6667,
    name: "chat.local",
    network: "chat",
    motd: undefined,
    password: undefined,
    opers: [],
    logLevel: "info",
    logMessages: false,
    defaultChannel: "#lobby",
    floodControl: true,
    exempt: ["127.0.0.0/8", "::1/128"],
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
  };
}
