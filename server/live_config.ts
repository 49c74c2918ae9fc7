/**
 * What a reload (SIGHUP, REHASH) changes in a running server: the settings read at use time
 * (MOTD, operators, the connection password, per-user limits, flood control, history retention,
 * logging of messages). Listeners, the store and the cluster keep what they started with: those
 * settings need a restart.
 *
 * @module
 */

import type { Limits, ServerConfig } from "./config.ts";
import { hashSecret } from "./credentials.ts";
import { isupportTokens } from "./isupport.ts";
import { hashOpers, type ServerInfo } from "./server_info.ts";

/**
 * The limits read each time they apply (new connections get the new sendq and flood bucket);
 * the others are fixed in listeners and admission at start.
 */
export const LIVE_LIMITS: readonly (keyof Limits)[] = [
  "sendqBytes",
  "recvqBytes",
  "floodBurst",
  "floodRatePerSecond",
  "maxChannels",
  "maxSessions",
  "maxTargets",
  "registrationTimeoutMs",
  "pingIntervalMs",
  "pingTimeoutMs",
  "nickGraceMs",
];

/**
 * Puts the live settings of `next` into `info`. The secrets are hashed first, so `info` changes
 * all at once (nothing is half applied when hashing fails).
 */
export async function applyLiveConfig(info: ServerInfo, next: ServerConfig): Promise<void> {
  const opers = await hashOpers(next.opers);
  const password = next.password === undefined ? undefined : await hashSecret(next.password);
  info.opers = opers;
  info.password = password;
  info.motd = next.motd;
  info.floodControl = next.floodControl;
  info.logMessages = next.logMessages;
  const limits: Record<string, number> = { ...info.limits };
  for (const key of LIVE_LIMITS) limits[key] = next.limits[key];
  Object.assign(info.limits, limits);
  Object.assign(info.history, {
    replayLines: next.history.replayLines,
    maxAgeMs: next.history.maxAgeMs,
    maxPerTarget: next.history.maxPerTarget,
  });
  info.alwaysOn = { ...info.alwaysOn, expireMs: next.alwaysOn.expireMs };
  info.isupport = isupportTokens({
    ...next,
    network: info.network,
    limits: info.limits,
    history: info.history,
  });
}
