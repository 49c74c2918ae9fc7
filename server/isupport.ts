/**
 * RPL_ISUPPORT (005) tokens: how clients learn this server's limits and syntax.
 *
 * @module
 */

import { CASEMAPPING } from "../protocol/casemap.ts";
import { CHANTYPES, KEYLEN } from "../protocol/names.ts";
import { CHANMODES, LIST_MODES, MUTE_PREFIX, PREFIX } from "./state/channel.ts";
import type { ServerConfig } from "./config.ts";
import { ELIST } from "./list_query.ts";
import { BOT_MODE } from "./state/user.ts";

/** The ISUPPORT tokens for a configuration, in a stable order. */
export function isupportTokens(config: ServerConfig): string[] {
  const l = config.limits;
  return [
    `AWAYLEN=${l.awayLength}`,
    `BOT=${BOT_MODE}`,
    `CASEMAPPING=${CASEMAPPING}`,
    `CHANLIMIT=${CHANTYPES}:${l.maxChannels}`,
    `CHATHISTORY=${config.history.queryLimit}`,
    `CHANMODES=${CHANMODES}`,
    `CHANNELLEN=${l.channelLength}`,
    `CHANTYPES=${CHANTYPES}`,
    `ELIST=${ELIST}`,
    "EXCEPTS=e",
    `EXTBAN=,${MUTE_PREFIX[0]}`,
    "INVEX=I",
    `KEYLEN=${KEYLEN}`,
    `KICKLEN=${l.kickLength}`,
    `MAXLIST=${LIST_MODES}:${l.maxBans}`,
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
    "UTF8ONLY",
    "WHOX",
  ];
}

/** Splits tokens into the 13-per-line groups RPL_ISUPPORT allows. */
export function isupportLines(tokens: string[]): string[][] {
  const lines: string[][] = [];
  for (let i = 0; i < tokens.length; i += 13) lines.push(tokens.slice(i, i + 13));
  return lines;
}
