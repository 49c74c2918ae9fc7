/**
 * AUTHENTICATE: SASL PLAIN login, before or after registration. PLAIN sends the password, so it
 * is refused on plaintext connections except from loopback.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import { cidrContains, parseCidr, parseIp } from "../cidr.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { checkPassword, logIn, TOO_MANY_ATTEMPTS } from "../login.ts";

const CHUNK = 400;
const MAX_PAYLOAD = 8192;
const LOOPBACK = ["127.0.0.0/8", "::1/128"].map((r) => parseCidr(r)!);

/** True for 127.x and ::1 (and IPv4-mapped loopback). */
export function isLoopback(hostname: string): boolean {
  const ip = parseIp(hostname);
  return ip !== undefined && LOOPBACK.some((r) => cidrContains(r, ip));
}

function fail(ctx: Context, text = "SASL authentication failed"): void {
  ctx.session.sasl = undefined;
  ctx.reply(N.ERR_SASLFAIL, text);
}

/** Decodes `authzid\0authcid\0password`; undefined when malformed. */
export function decodePlain(base64: string): { authcid: string; password: string } | undefined {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(
      Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)),
    );
  } catch {
    return undefined;
  }
  const [authzid, authcid, password, ...extra] = text.split("\0");
  if (extra.length > 0 || !authcid || !password) return undefined;
  if (authzid !== "" && authzid !== authcid) return undefined; // no authorizing as others
  return { authcid, password };
}

async function finish(ctx: Context, payload: string): Promise<void> {
  ctx.session.sasl = undefined;
  const creds = decodePlain(payload);
  if (!creds) return fail(ctx);
  const result = await checkPassword(ctx, creds.authcid, creds.password);
  if (result === "throttled") return fail(ctx, TOO_MANY_ATTEMPTS);
  if (result === "wrong") return fail(ctx);
  if (result === "unavailable") return fail(ctx, "Accounts are unavailable; try again later");
  await logIn(ctx, result.name);
  ctx.reply(N.RPL_SASLSUCCESS, "SASL authentication successful");
}

/** AUTHENTICATE. */
export const saslCommands: Record<string, CommandSpec> = {
  AUTHENTICATE: {
    minParams: 1,
    beforeRegistration: true,
    handler(ctx, [arg]) {
      const { user, session } = ctx;
      if (arg === "*") {
        session.sasl = undefined;
        ctx.reply(N.ERR_SASLABORTED, "SASL authentication aborted");
        return;
      }
      if (!session.sasl) {
        if (user.account !== undefined) {
          ctx.reply(N.ERR_SASLALREADY, "You have already authenticated using SASL");
          return;
        }
        if (arg.toUpperCase() !== "PLAIN") {
          ctx.reply(N.RPL_SASLMECHS, "PLAIN", "are available SASL mechanisms");
          return fail(ctx);
        }
        if (!session.secure && !isLoopback(user.hostname)) {
          return fail(ctx, "SASL PLAIN needs a TLS connection");
        }
        session.sasl = { mechanism: "PLAIN", buffer: "" };
        ctx.sendFromServer("AUTHENTICATE", ["+"]);
        return;
      }
      if (arg !== "+") session.sasl.buffer += arg;
      if (session.sasl.buffer.length > MAX_PAYLOAD) {
        session.sasl = undefined;
        ctx.reply(N.ERR_SASLTOOLONG, "SASL message too long");
        return;
      }
      if (arg.length === CHUNK) return; // more chunks follow
      return finish(ctx, session.sasl.buffer);
    },
  },
};
