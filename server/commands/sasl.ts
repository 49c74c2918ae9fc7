/**
 * AUTHENTICATE: SASL login, before or after registration, with PLAIN (refused on plaintext
 * connections except from loopback, as it sends the password), SCRAM-SHA-256 (sasl_scram.ts) and,
 * where TLS is configured, EXTERNAL (the connection's TLS client certificate, added to the
 * account with `NickServ CERT ADD`). One exchange at a time per connection.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { N } from "../../protocol/numerics.ts";
import { saslMechanisms } from "../capabilities.ts";
import { cidrContains, parseCidr, parseIp } from "../cidr.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { checkPassword, checkSecret, logIn, TOO_MANY_ATTEMPTS } from "../login.ts";
import { MAX_SCRAM_MESSAGE } from "../scram.ts";
import { type SaslOutcome, scramStep } from "./sasl_scram.ts";

const CHUNK = 400;
const MAX_PAYLOAD = 8192;
/** Base64 of the longest SCRAM message taken. */
const MAX_SCRAM_PAYLOAD = Math.ceil(MAX_SCRAM_MESSAGE / 3) * 4;
const LOOPBACK = ["127.0.0.0/8", "::1/128"].map((r) => parseCidr(r)!);
const FAILED = "SASL authentication failed";
const UNAVAILABLE = "Accounts are unavailable; try again later";

/** True for 127.x and ::1 (and IPv4-mapped loopback). */
export function isLoopback(hostname: string): boolean {
  const ip = parseIp(hostname);
  return ip !== undefined && LOOPBACK.some((r) => cidrContains(r, ip));
}

function fail(ctx: Context, text = FAILED): void {
  ctx.session.sasl = undefined;
  ctx.reply(N.ERR_SASLFAIL, text);
}

/** The UTF-8 text of a base64 payload; undefined when either is invalid. */
function decodeText(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.from(base64, "base64"));
  } catch {
    return undefined;
  }
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

async function plain(ctx: Context, payload: string): Promise<SaslOutcome> {
  const creds = decodePlain(payload);
  if (!creds) return { fail: FAILED };
  const result = await checkPassword(ctx, creds.authcid, creds.password);
  if (result === "throttled") return { fail: TOO_MANY_ATTEMPTS };
  if (result === "wrong") return { fail: FAILED };
  if (result === "unavailable") return { fail: UNAVAILABLE };
  return { account: result.name };
}

/**
 * EXTERNAL: the account holding the connection's certificate fingerprint. The payload is empty
 * or an authzid, which must name that same account.
 */
async function external(ctx: Context, payload: string): Promise<SaslOutcome> {
  const fp = ctx.session.certFp;
  const authzid = decodeText(payload);
  if (fp === undefined || authzid === undefined) return { fail: FAILED };
  const result = await checkSecret(ctx, fp, () => ctx.stores.accounts.certAccount(fp));
  if (result === "throttled") return { fail: TOO_MANY_ATTEMPTS };
  if (result === "wrong") return { fail: FAILED };
  if (result === "unavailable") return { fail: UNAVAILABLE };
  if (authzid !== "" && ctx.stores.accounts.find(authzid)?.name !== result.name) {
    return { fail: FAILED };
  }
  return { account: result.name };
}

/** Sends a SASL message in 400-byte AUTHENTICATE lines (`+` after an exact multiple). */
function sendChallenge(ctx: Context, text: string): void {
  const b64 = Buffer.from(text).toString("base64");
  for (let i = 0; i < b64.length; i += CHUNK) {
    ctx.sendFromServer("AUTHENTICATE", [b64.slice(i, i + CHUNK)]);
  }
  if (b64.length % CHUNK === 0) ctx.sendFromServer("AUTHENTICATE", ["+"]);
}

async function step(ctx: Context, payload: string): Promise<void> {
  const sasl = ctx.session.sasl!;
  let outcome: SaslOutcome;
  if (sasl.mechanism === "PLAIN") outcome = await plain(ctx, payload);
  else if (sasl.mechanism === "EXTERNAL") outcome = await external(ctx, payload);
  else outcome = await scramStep(ctx, sasl, decodeText(payload));
  if (ctx.session.sasl !== sasl) return; // aborted meanwhile
  if ("fail" in outcome) return fail(ctx, outcome.fail);
  if ("reply" in outcome) return sendChallenge(ctx, outcome.reply);
  ctx.session.sasl = undefined;
  if (ctx.user.account !== undefined) return fail(ctx);
  await logIn(ctx, outcome.account);
  ctx.reply(N.RPL_SASLSUCCESS, "SASL authentication successful");
}

/** Starts an exchange with `mechanism`, or says why not. */
function begin(ctx: Context, mechanism: string): void {
  const { user, session } = ctx;
  if (user.account !== undefined) {
    ctx.reply(N.ERR_SASLALREADY, "You have already authenticated using SASL");
    return;
  }
  const offered = saslMechanisms(ctx.server.sts !== undefined);
  if (!offered.includes(mechanism)) {
    ctx.reply(N.RPL_SASLMECHS, offered.join(","), "are available SASL mechanisms");
    return fail(ctx);
  }
  if (mechanism === "PLAIN" && !session.secure && !isLoopback(user.hostname)) {
    return fail(ctx, "SASL PLAIN needs a TLS connection");
  }
  if (mechanism === "EXTERNAL" && session.certFp === undefined) {
    return fail(ctx, "SASL EXTERNAL needs a TLS client certificate");
  }
  session.sasl = { mechanism, buffer: "" };
  ctx.sendFromServer("AUTHENTICATE", ["+"]);
}

/** AUTHENTICATE. */
export const saslCommands: Record<string, CommandSpec> = {
  AUTHENTICATE: {
    minParams: 1,
    beforeRegistration: true,
    handler(ctx, [arg]) {
      const { session } = ctx;
      if (arg === "*") {
        session.sasl = undefined;
        ctx.reply(N.ERR_SASLABORTED, "SASL authentication aborted");
        return;
      }
      if (!session.sasl) return begin(ctx, arg.toUpperCase());
      if (arg !== "+") session.sasl.buffer += arg;
      const max = session.sasl.mechanism === "PLAIN" ? MAX_PAYLOAD : MAX_SCRAM_PAYLOAD;
      if (session.sasl.buffer.length > max) {
        session.sasl = undefined;
        ctx.reply(N.ERR_SASLTOOLONG, "SASL message too long");
        return;
      }
      if (arg.length === CHUNK) return; // more chunks follow
      const payload = session.sasl.buffer;
      session.sasl.buffer = "";
      return step(ctx, payload);
    },
  },
};
