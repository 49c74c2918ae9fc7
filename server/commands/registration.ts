/**
 * Connection registration: PASS, NICK, USER, and the welcome burst once all are in (and CAP
 * negotiation, if started, has ended). NICK also renames registered users.
 *
 * @module
 */

import { klined } from "../kline_refusal.ts";
import { nickProblem } from "../../protocol/names.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { verifySecret } from "../credentials.ts";
import { attachToAccount, sendUserState } from "../attach.ts";
import { isServiceNick, protectNick } from "../login.ts";
import type { MovedSession } from "../moved_session.ts";
import { applyPreAway } from "../presence.ts";
import { sendIsupport, sendLusers, sendMotd } from "./server_queries.ts";
import { sendOwnMetadata } from "./metadata.ts";

const USER_MODES = "Biow";
const CHANNEL_MODES = "Ibeiklmnostv";
const CHANNEL_MODES_WITH_PARAM = "Ibeklov";

/** Keeps the characters a username may have; the `~` says no ident check was made. */
function cleanUsername(raw: string, max: number): string {
  const cleaned = raw.replace(/[^A-Za-z0-9_\-.\[\]\\^{}|`]/g, "").slice(0, max - 1);
  return `~${cleaned || "user"}`;
}

/**
 * Sends the welcome burst when NICK, USER (and PASS, CAP END if needed) are all in. The server
 * password is hashed here, once per connection, not once per PASS line.
 */
export function completeRegistration(ctx: Context): void | Promise<void> {
  const { user, server } = ctx;
  const reg = ctx.session.registration;
  if (!reg || (user.nick === "*" && reg.nick === undefined) || !reg.gotUser || reg.capHold) {
    return;
  }
  if (!server.password) return welcome(ctx);
  const given = reg.pass;
  reg.pass = undefined; // a wrong one ends the connection; a right one is not needed again
  return (given === undefined ? Promise.resolve(false) : verifySecret(server.password, given))
    .then((ok) => {
      if (ok) return welcome(ctx);
      ctx.reply(N.ERR_PASSWDMISMATCH, "Password incorrect");
      ctx.disconnect("Bad password");
    });
}

/**
 * Ends registration: a connection logged in to an account whose user is here attaches to it (and
 * is welcomed under its nick, then told its channels); any other becomes a user of its own.
 */
async function welcome(ctx: Context): Promise<void> {
  if (klined(ctx)) return;
  const attached = await attachToAccount(ctx);
  if (attached === "moved") return; // its welcome comes from the node it moved to
  const { user, server } = ctx;
  const reg = ctx.session.registration;
  if (typeof attached !== "object" && user.nick === "*" && reg?.nick !== undefined) {
    // it could not attach after all: the nick it asked for is needed now
    const wanted = reg.nick;
    reg.nick = undefined;
    if (!await ctx.hub.claimNick(user, wanted)) {
      ctx.reply(N.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use");
      return;
    }
  }
  ctx.session.registration = undefined;
  if (typeof attached !== "object") {
    user.registered = true;
    ctx.hub.register(user);
    if (user.alwaysOn) ctx.hub.keepAlwaysOn?.(user); // logged in with SASL
  }
  ctx.reply(N.RPL_WELCOME, `Welcome to the ${server.network} IRC Network ${user.source}`);
  ctx.reply(N.RPL_YOURHOST, `Your host is ${server.name}, running version ${server.version}`);
  ctx.reply(N.RPL_CREATED, `This server was created ${server.created.toUTCString()}`);
  ctx.reply(
    N.RPL_MYINFO,
    server.name,
    server.version,
    USER_MODES,
    CHANNEL_MODES,
    CHANNEL_MODES_WITH_PARAM,
  );
  sendIsupport(ctx);
  sendLusers(ctx);
  sendMotd(ctx);
  await sendOwnMetadata(ctx);
  applyPreAway(ctx.hub, user, ctx.session);
  if (typeof attached === "object") await sendUserState(ctx, attached.missedSince);
  else protectNick(ctx);
}

/**
 * Goes on with a connection that moved here from another cluster node (moved_session.ts), where
 * it stopped there: at its welcome, or logged in after registering (it attaches and is told its
 * user's channels; should that user have gone meanwhile, it is asked to connect again).
 */
export async function resumeMoved(ctx: Context, phase: MovedSession["phase"]): Promise<void> {
  if (phase === "welcome") return welcome(ctx);
  const attached = await attachToAccount(ctx);
  if (typeof attached === "object") await sendUserState(ctx, attached.missedSince);
  else ctx.disconnect(`${ctx.user.account}'s user is not on this server node; connect again`);
}

async function nick(ctx: Context, params: string[]): Promise<void> {
  const { user, hub } = ctx;
  const wanted = params[0] ?? "";
  if (wanted === "") {
    ctx.reply(N.ERR_NONICKNAMEGIVEN, "No nickname given");
    return;
  }
  if (nickProblem(wanted, ctx.server.limits.nickLength)) {
    ctx.reply(N.ERR_ERRONEUSNICKNAME, wanted, "Erroneous nickname");
    return;
  }
  if (isServiceNick(wanted)) {
    ctx.reply(N.ERR_ERRONEUSNICKNAME, wanted, "Reserved for services");
    return;
  }
  if (wanted === user.nick) return;
  const silenced = [...user.channels.values()].find((c) => c.silencedByBan(user));
  if (silenced) {
    ctx.reply(
      N.ERR_BANNICKCHANGE,
      wanted,
      silenced.name,
      "Cannot change nickname while banned on channel",
    );
    return;
  }
  const reg = ctx.session.registration;
  if (reg && user.account !== undefined && hub.accountUser(user.account)) {
    reg.nick = wanted; // it will attach to its account's user and take that nick
    return completeRegistration(ctx);
  }
  const ok = user.registered
    ? await hub.changeNick(user, wanted)
    : await hub.claimNick(user, wanted);
  if (!ok) {
    ctx.reply(N.ERR_NICKNAMEINUSE, wanted, "Nickname is already in use");
    return;
  }
  if (user.registered) {
    user.nickDeadline = undefined;
    protectNick(ctx);
  } else return completeRegistration(ctx);
}

/** PASS, NICK, USER. */
export const registrationCommands: Record<string, CommandSpec> = {
  PASS: {
    minParams: 1,
    beforeRegistration: true,
    handler(ctx, [password]) {
      const reg = ctx.session.registration;
      if (!reg) {
        ctx.reply(N.ERR_ALREADYREGISTERED, "You may not reregister");
        return;
      }
      reg.pass = password; // checked by completeRegistration
    },
  },
  NICK: { minParams: 0, beforeRegistration: true, handler: nick },
  USER: {
    minParams: 4,
    beforeRegistration: true,
    handler(ctx, [username, , , realname]) {
      const { user, server } = ctx;
      const reg = ctx.session.registration;
      if (!reg) {
        ctx.reply(N.ERR_ALREADYREGISTERED, "You may not reregister");
        return;
      }
      // Modern IRC: an empty username (or realname, as Ergo and Solanum) is a missing parameter
      if (username === "" || realname === "") {
        ctx.reply(N.ERR_NEEDMOREPARAMS, "USER", "Not enough parameters");
        return;
      }
      user.username = cleanUsername(username, server.limits.nickLength);
      user.realname = realname.slice(0, server.limits.realnameLength);
      reg.gotUser = true;
      return completeRegistration(ctx);
    },
  },
};
