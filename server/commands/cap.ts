/**
 * CAP: IRCv3 capability negotiation (LS, LIST, REQ, END). LS or REQ before registration holds
 * the welcome until END.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import { CAPABILITIES, capLsChunks } from "../capabilities.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { completeRegistration } from "./registration.ts";

function hold(ctx: Context): void {
  if (ctx.session.registration) ctx.session.registration.capHold = true;
}

function ls(ctx: Context, version: number): void {
  const { user, session } = ctx;
  hold(ctx);
  session.capVersion = Math.max(session.capVersion, version);
  // CAP LS 302 implies cap-notify (IRCv3 capability negotiation).
  if (version >= 302) session.setCap("cap-notify", true);
  // a 301 client knows no continuation: its names go on one line, as long as the line allows
  const room = version >= 302
    ? undefined
    : 510 - `:${ctx.server.name} CAP ${user.nick} LS :`.length;
  const chunks = capLsChunks(version, room, { secure: session.secure, sts: ctx.server.sts });
  chunks.forEach((chunk, i) => {
    const more = version >= 302 && i < chunks.length - 1;
    ctx.sendFromServer("CAP", more ? [user.nick, "LS", "*", chunk] : [user.nick, "LS", chunk]);
  });
}

function req(ctx: Context, wanted: string): void {
  const { user } = ctx;
  hold(ctx);
  const changes = wanted.split(" ").filter((w) => w !== "").map((w) =>
    w.startsWith("-") ? { name: w.slice(1), on: false } : { name: w, on: true }
  );
  if (changes.length === 0 || changes.some((c) => !CAPABILITIES.has(c.name))) {
    ctx.sendFromServer("CAP", [user.nick, "NAK", wanted]);
    return;
  }
  for (const c of changes) ctx.session.setCap(c.name, c.on);
  ctx.sendFromServer("CAP", [user.nick, "ACK", wanted]);
}

/** CAP and its subcommands. */
export const capCommands: Record<string, CommandSpec> = {
  CAP: {
    minParams: 1,
    beforeRegistration: true,
    handler(ctx, [sub, arg]) {
      const user = ctx.user;
      switch (sub.toUpperCase()) {
        case "LS":
          return ls(ctx, Number(arg) || 301);
        case "LIST":
          return ctx.sendFromServer("CAP", [user.nick, "LIST", [...ctx.session.caps].join(" ")]);
        case "REQ":
          return req(ctx, arg ?? "");
        case "END":
          if (ctx.session.registration) ctx.session.registration.capHold = false;
          return completeRegistration(ctx);
        default:
          ctx.reply(N.ERR_INVALIDCAPCMD, sub, "Invalid CAP command");
      }
    },
  },
};
