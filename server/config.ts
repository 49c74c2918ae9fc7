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
    ...overrides,
    limits: { ...DEFAULT_LIMITS, ...overrides.limits },
  };
}
