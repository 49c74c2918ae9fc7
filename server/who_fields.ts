/**
 * What a WHO line says about a user: its flags, and the fields a WHOX query (ircv3 `whox`) asks
 * for, in the one order RPL_WHOSPCRPL (354) gives them. Pure: the command (commands/who.ts)
 * decides who is listed and sends the lines.
 *
 * @module
 */

import type { Channel } from "./state/channel.ts";
import { BOT_MODE, type User } from "./state/user.ts";

/**
 * The WHOX field letters in the order a 354 gives them, whatever order they were asked in: token,
 * channel, user, IP, host, server, nick, flags, hop count, idle, account, op level, realname.
 */
export const WHOX_FIELDS = "tcuihsnfdlaor";

/** A WHOX query's fields (known letters only, in `WHOX_FIELDS` order) and its token. */
export interface Whox {
  fields: string;
  /** One to three digits, as the spec allows; "0" when none (or an invalid one) was given. */
  token: string;
}

/** WHO's second parameter: `o` (operators only) before an optional `%fields[,token]`. */
export interface WhoOptions {
  opersOnly: boolean;
  /** Present when a `%` asks for a WHOX reply (354 instead of 352). */
  whox?: Whox;
}

/** The token a client may give (ircv3 whox: digits only, at most 3). */
const TOKEN = /^[0-9]{1,3}$/;

/**
 * Reads WHO's second parameter. Letters that are no standard field are ignored (the spec says
 * so); a token that is not one to three digits is read as "0", ircu's default query type, so the
 * server never echoes text of the client's choosing.
 */
export function parseWhoOptions(param: string | undefined): WhoOptions {
  if (param === undefined) return { opersOnly: false };
  const percent = param.indexOf("%");
  const filters = percent === -1 ? param : param.slice(0, percent);
  const opersOnly = filters.includes("o");
  if (percent === -1) return { opersOnly };
  const spec = param.slice(percent + 1);
  const comma = spec.indexOf(",");
  const letters = comma === -1 ? spec : spec.slice(0, comma);
  const token = comma === -1 ? "" : spec.slice(comma + 1);
  const fields = [...WHOX_FIELDS].filter((f) => letters.includes(f)).join("");
  return { opersOnly, whox: { fields, token: TOKEN.test(token) ? token : "0" } };
}

/**
 * The WHO flags: `H` here or `G` gone (away), `*` an operator, `B` a bot (ISUPPORT `BOT`), then
 * the user's status prefix in `channel` (all of them with `multi-prefix`).
 */
export function whoFlags(target: User, channel: Channel | undefined, multi: boolean): string {
  let flags = target.away === undefined ? "H" : "G";
  if (target.isOper) flags += "*";
  if (target.isBot) flags += BOT_MODE;
  if (channel) flags += channel.prefix(target, multi);
  return flags;
}

/** Seconds since the user last sent a message (WHOIS 317, WHOX `l`). */
export function idleSeconds(user: User, now: number): number {
  return Math.max(0, Math.floor((now - user.lastMessage) / 1000));
}

/** What the WHOX fields are made of besides the user: the asker's view and the server. */
export interface WhoxContext {
  whox: Whox;
  channel: Channel | undefined;
  serverName: string;
  multiPrefix: boolean;
  now: number;
}

/** An IPv4 or IPv6 literal (a user's hostname is its address unless something hides it). */
const IP_LITERAL = /^(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)$/;

/**
 * The 354 parameters after the asker's nick, one per requested field. The placeholders are the
 * spec's: `*` for no channel, `255.255.255.255` for an address not disclosed (one the host does
 * not show already), `0` for no account; `n/a` for the op level, which this server does not have.
 */
export function whoxParams(target: User, c: WhoxContext): string[] {
  const params: string[] = [];
  for (const field of c.whox.fields) {
    switch (field) {
      case "t":
        params.push(c.whox.token);
        break;
      case "c":
        params.push(c.channel?.name ?? "*");
        break;
      case "u":
        params.push(target.username);
        break;
      case "i":
        params.push(IP_LITERAL.test(target.hostname) ? target.hostname : "255.255.255.255");
        break;
      case "h":
        params.push(target.hostname);
        break;
      case "s":
        params.push(c.serverName);
        break;
      case "n":
        params.push(target.nick);
        break;
      case "f":
        params.push(whoFlags(target, c.channel, c.multiPrefix));
        break;
      case "d":
        params.push("0");
        break;
      case "l":
        params.push(String(idleSeconds(target, c.now)));
        break;
      case "a":
        params.push(target.account ?? "0");
        break;
      case "o":
        params.push("n/a");
        break;
      case "r":
        params.push(target.realname);
        break;
    }
  }
  return params;
}
