/**
 * RPL_ISUPPORT (005) tokens: how clients learn this server's limits and syntax.
 *
 * @module
 */

import { CASEMAPPING } from "../protocol/casemap.ts";
import { CHANTYPES } from "../protocol/names.ts";
import { CHANMODES, PREFIX } from "./state/channel.ts";
import type { ServerConfig } from "./config.ts";

/** The ISUPPORT tokens for a configuration, in a stable order. */
export function isupportTokens(config: ServerConfig): string[] {
  const l = config.limits;
  return [
    `AWAYLEN=${l.awayLength}`,
    `CASEMAPPING=${CASEMAPPING}`,
    `CHANLIMIT=${CHANTYPES}:${l.maxChannels}`,
    `CHATHISTORY=${config.history.queryLimit}`,
    `CHANMODES=${CHANMODES}`,
    `CHANNELLEN=${l.channelLength}`,
    `CHANTYPES=${CHANTYPES}`,
    `KICKLEN=${l.kickLength}`,
    `MAXLIST=b:${l.maxBans}`,
    `MAXTARGETS=${l.maxTargets}`,
    `MODES=${l.modesPerCommand}`,
    `MONITOR=${l.maxMonitor}`,
    "MSGREFTYPES=timestamp,msgid",
    `NETWORK=${config.network}`,
    `NICKLEN=${l.nickLength}`,
    `PREFIX=${PREFIX}`,
    "SAFELIST",
    "STATUSMSG=@+",
    `TARGMAX=JOIN:,KICK:1,LIST:,NAMES:1,NOTICE:${l.maxTargets},PRIVMSG:${l.maxTargets},WHOIS:1`,
    `TOPICLEN=${l.topicLength}`,
    `USERLEN=${l.nickLength}`,
  ];
}

/** Splits tokens into the 13-per-line groups RPL_ISUPPORT allows. */
export function isupportLines(tokens: string[]): string[][] {
  const lines: string[][] = [];
  for (let i = 0; i < tokens.length; i += 13) lines.push(tokens.slice(i, i + 13));
  return lines;
}
