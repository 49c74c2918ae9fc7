/**
 * Server operators: OPER (credentials from `--oper NAME[/CLASS]:PASSWORD`), KILL, WALLOPS and
 * REHASH, each allowed by its privilege (oper_privileges.ts).
 *
 * @module
 */

import { disconnectUser } from "../hub.ts";
import { msg } from "../../protocol/message.ts";
import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { verifySecret } from "../credentials.ts";
import { checkSecret, TOO_MANY_ATTEMPTS } from "../login.ts";
import type { Privilege } from "../state/oper_privileges.ts";
import { Outgoing } from "../outgoing.ts";

/** Answers 481 to a non-oper; true for an oper. */
export function requireOper(ctx: Context): boolean {
  if (ctx.user.isOper) return true;
  ctx.reply(N.ERR_NOPRIVILEGES, "Permission Denied- You're not an IRC operator");
  return false;
}

/** Answers 481 to a non-oper, or to an oper whose class lacks `privilege` (naming it). */
export function requirePrivilege(ctx: Context, privilege: Privilege): boolean {
  if (!requireOper(ctx)) return false;
  if (ctx.user.hasPrivilege(privilege)) return true;
  ctx.reply(N.ERR_NOPRIVILEGES, `Permission Denied - you need the ${privilege} privilege`);
  return false;
}

/** OPER, KILL, WALLOPS, REHASH. */
export const operCommands: Record<string, CommandSpec> = {
  OPER: {
    minParams: 2,
    async handler(ctx, [name, password]) {
      const { user, server } = ctx;
      const account = server.opers.get(name);
      if (!account) {
        ctx.reply(N.ERR_NOOPERHOST, "No O-lines for your host");
        return;
      }
      const result = await checkSecret(
        ctx,
        `oper ${name}`, // a space: no account can have this name
        async () => (await verifySecret(account.secret, password)) || undefined,
      );
      if (result === "throttled") {
        ctx.reply(N.ERR_PASSWDMISMATCH, TOO_MANY_ATTEMPTS);
        return;
      }
      if (result !== true) {
        ctx.reply(N.ERR_PASSWDMISMATCH, "Password incorrect");
        server.log.warn(`failed OPER ${name} by ${user.source}`);
        return;
      }
      user.operPrivileges = account.privileges;
      const applied = ctx.hub.setUserModes(user, "ow", "");
      ctx.reply(N.RPL_YOUREOPER, "You are now an IRC operator");
      if (applied !== "") ctx.send(msg("MODE", [user.nick, applied], user.source));
      server.log.info(`OPER ${name} by ${user.source}`);
    },
  },
  KILL: {
    minParams: 2,
    handler(ctx, [nick, reason]) {
      if (!requirePrivilege(ctx, "kill")) return;
      const target = ctx.hub.findUser(nick);
      if (!target) {
        ctx.reply(N.ERR_NOSUCHNICK, nick, "No such nick/channel");
        return;
      }
      ctx.server.log.info(`KILL ${target.nick} by ${ctx.user.nick}: ${reason}`);
      target.send(new Outgoing(msg("KILL", [target.nick, reason], ctx.user.source)));
      disconnectUser(ctx.hub, target, `Killed (${ctx.user.nick} (${reason}))`);
    },
  },
  WALLOPS: {
    minParams: 1,
    handler(ctx, [text]) {
      if (!requirePrivilege(ctx, "wallops")) return;
      ctx.hub.wallops(ctx.user, text);
    },
  },
  REHASH: {
    minParams: 0,
    async handler(ctx) {
      if (!requirePrivilege(ctx, "rehash")) return;
      const { server } = ctx;
      const rehash = server.rehash;
      ctx.reply(N.RPL_REHASHING, rehash?.file ?? "*", "Rehashing");
      if (!rehash) {
        ctx.fail("REHASH", "CANNOT_REHASH", "This server has no configuration to read again");
        return;
      }
      server.log.info(`REHASH by ${ctx.user.source}`);
      const outcome = await rehash.run();
      if (!outcome.ok) {
        ctx.fail("REHASH", "INVALID_CONFIG", outcome.lines.join("; "));
        return;
      }
      for (const line of outcome.lines) ctx.notice(`REHASH: ${line}`);
    },
  },
};
