/**
 * What every command handler may read about the server: names, limits, MOTD, ISUPPORT and the
 * hashed secrets. Built once at start-up from the configuration.
 *
 * @module
 */

import { ServerBans } from "./bans.ts";
import { AuthThrottle } from "./auth_throttle.ts";
import { type Cidr, parseCidr } from "./cidr.ts";
import type {
  AlwaysOnConfig,
  HistoryConfig,
  Limits,
  OperCredential,
  ServerConfig,
} from "./config.ts";
import { type HashedSecret, hashSecret } from "./credentials.ts";
import { isupportTokens } from "./isupport.ts";
import { type Privilege, privilegesOf } from "./state/oper_privileges.ts";
import type { Rehasher } from "./rehash_hook.ts";
import type { Logger } from "./log.ts";
import { Registering } from "./registering.ts";
import { VERSION } from "../version.ts";
import { hashGateways, type WebircGateway } from "./webirc.ts";

/** Read-only server facts for handlers. */
export interface ServerInfo {
  name: string;
  network: string;
  version: string;
  created: Date;
  motd: string[] | undefined;
  limits: Limits;
  history: HistoryConfig;
  /** Which accounts stay present with no connection, and for how long. */
  alwaysOn: AlwaysOnConfig;
  isupport: string[];
  defaultChannel: string;
  /** Operator name → hashed password and what that oper may do. */
  opers: Map<string, OperAccount>;
  password: HashedSecret | undefined;
  logMessages: boolean;
  /** Delay commands beyond `limits.floodBurst`/`floodRatePerSecond`. */
  floodControl: boolean;
  /** Shared by SASL, NickServ, OPER and REGISTER: bounds password hashing and guessing. */
  authThrottle: AuthThrottle;
  /** This server's connections still registering (LUSERS 253). */
  registering: Registering;
  log: Logger;
  /** The STS policy offered in CAP LS; undefined without TLS. */
  sts: StsPolicy | undefined;
  /** Re-reads the configuration for REHASH; undefined when nothing can (embedded servers). */
  rehash: Rehasher | undefined;
  /** K-lines and D-lines in force (bans.ts). */
  bans: ServerBans;
  /** Trusted WEBIRC gateways (`--webirc`), passwords hashed. */
  webirc: WebircGateway[];
  /**
   * Moves a connection's count in the per-IP limits from `from` to `to` (WEBIRC): a refusal
   * when `to` is over them (nothing moved then). Set by the running server.
   */
  readmit?: (from: string, to: string) => string | undefined;
}

/**
 * Where and how long clients are told to use TLS (IRCv3 STS). `port` is the TLS port as bound
 * (filled in once the listener is open, so `--tls-port 0` advertises the real one).
 */
export interface StsPolicy {
  port: number;
  readonly durationS: number;
}

/** An operator as the server keeps it: only a hash of the password, and its class's privileges. */
export interface OperAccount {
  secret: HashedSecret;
  privileges: ReadonlySet<Privilege>;
}

/** Hashes each oper's password and resolves its class (at startup and on REHASH). */
export async function hashOpers(opers: OperCredential[]): Promise<Map<string, OperAccount>> {
  const accounts = new Map<string, OperAccount>();
  for (const o of opers) {
    accounts.set(o.name, { secret: await hashSecret(o.password), privileges: privilegesOf(o) });
  }
  return accounts;
}

/** Derives the server facts; hashing the secrets is why this is async. */
export async function createServerInfo(config: ServerConfig, log: Logger): Promise<ServerInfo> {
  const opers = await hashOpers(config.opers);
  return {
    name: config.name,
    network: config.network,
    version: `chat-${VERSION}`,
    created: new Date(),
    motd: config.motd,
    limits: config.limits,
    history: config.history,
    alwaysOn: config.alwaysOn,
    isupport: isupportTokens(config),
    defaultChannel: config.defaultChannel,
    opers,
    password: config.password === undefined ? undefined : await hashSecret(config.password),
    logMessages: config.logMessages,
    floodControl: config.floodControl,
    // startServer has refused bad ranges already
    authThrottle: new AuthThrottle(
      config.exempt.map((t) => parseCidr(t)).filter((r): r is Cidr => !!r),
    ),
    registering: new Registering(),
    log,
    sts: config.tls ? { port: config.tlsPort, durationS: config.stsDurationS } : undefined,
    rehash: undefined,
    bans: new ServerBans(),
    webirc: await hashGateways(config.webirc),
  };
}
