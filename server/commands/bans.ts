/**
 * Server bans, for server operators: KLINE and UNKLINE (user@host, nick!user@host or $a:account
 * masks), DLINE and UNDLINE (addresses and CIDR ranges), and STATS k / STATS d to list them.
 *
 * `KLINE [duration] <mask> [CONFIRM] [:reason]`: the duration is in minutes (as Solanum and
 * InspIRCd count it) or carries a unit (`30s`, `2h`, `1d`, `1w`); 0 or none is permanent. A mask
 * that matches everyone is refused unless `CONFIRM` comes before the reason.
 *
 * @module
 */

import { N } from "../../protocol/numerics.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import {
  type BanKind,
  matchesEveryone,
  MAX_BANS,
  MAX_REASON_LENGTH,
  parseDlineMask,
  parseDuration,
  parseKlineMask,
  type ServerBan,
} from "../server_bans.ts";
import { errorMessage } from "../../util/error_message.ts";
import { sendLong } from "../long_reply.ts";
import type { Privilege } from "../state/oper_privileges.ts";
import { requireOper, requirePrivilege } from "./oper.ts";

const DEFAULT_REASON = "No reason given";

/** What a KLINE or DLINE line asks for, or the FAIL code and text that refuse it. */
type BanRequest =
  | { ok: true; mask: string; durationMs: number; reason: string; confirmed: boolean }
  | { ok: false; code: string; text: string };

/** Reads `[duration] <mask> [CONFIRM] [reason]`. */
function parseRequest(kind: BanKind, params: string[]): BanRequest {
  let rest = params;
  let durationMs = 0;
  if (rest.length >= 2 && /^\d+[a-z]?$/i.test(rest[0]!)) {
    const parsed = parseDuration(rest[0]!);
    if (parsed === undefined) {
      return { ok: false, code: "INVALID_DURATION", text: "Duration: minutes, or 30s, 2h, 1d, 1w" };
    }
    durationMs = parsed;
    rest = rest.slice(1);
  }
  const [rawMask = "", ...after] = rest;
  const mask = kind === "K" ? parseKlineMask(rawMask) : parseDlineMask(rawMask);
  if (typeof mask !== "string") return { ok: false, code: "INVALID_MASK", text: mask.error };
  const confirmed = after.length >= 2 && after[0]!.toUpperCase() === "CONFIRM";
  const reason = (confirmed ? after[1] : after[0])?.trim() || DEFAULT_REASON;
  if (reason.length > MAX_REASON_LENGTH) {
    return { ok: false, code: "INVALID_REASON", text: `Reason longer than ${MAX_REASON_LENGTH}` };
  }
  return { ok: true, mask, durationMs, reason, confirmed };
}

function label(kind: BanKind): string {
  return `${kind}-line`;
}

/** The privilege that allows bans of `kind`. */
function privilegeFor(kind: BanKind): Privilege {
  return kind === "K" ? "kline" : "dline";
}

async function addBan(ctx: Context, kind: BanKind, params: string[]): Promise<void> {
  if (!requirePrivilege(ctx, privilegeFor(kind))) return;
  const verb = `${kind}LINE`;
  const req = parseRequest(kind, params);
  if (!req.ok) return ctx.fail(verb, req.code, req.text);
  if (matchesEveryone(kind, req.mask) && !req.confirmed) {
    return ctx.fail(
      verb,
      "NEEDS_CONFIRM",
      req.mask,
      `${req.mask} matches everyone; add CONFIRM before the reason if you mean it`,
    );
  }
  const bans = ctx.server.bans;
  if (!bans.list.get(kind, req.mask) && bans.list.count(kind) >= MAX_BANS) {
    return ctx.fail(verb, "TOO_MANY_BANS", `At most ${MAX_BANS} ${label(kind)}s`);
  }
  const now = Date.now();
  const ban: ServerBan = {
    kind,
    mask: req.mask,
    reason: req.reason,
    setBy: ctx.user.nick,
    setAt: now,
    ...(req.durationMs > 0 ? { expiresAt: now + req.durationMs } : {}),
  };
  try {
    await bans.add(ban);
  } catch (err) {
    ctx.server.log.error(`${verb} ${req.mask}: ${errorMessage(err)}`);
    return ctx.fail(verb, "TEMPORARILY_UNAVAILABLE", "Cannot store the ban now; try again");
  }
  const lasting = req.durationMs > 0 ? `for ${Math.ceil(req.durationMs / 1000)}s` : "permanent";
  ctx.server.log.info(`${verb} ${req.mask} (${lasting}) by ${ctx.user.source}: ${req.reason}`);
  ctx.notice(`Added ${lasting} ${label(kind)} for ${req.mask}: ${req.reason}`);
}

async function removeBan(ctx: Context, kind: BanKind, text: string): Promise<void> {
  if (!requirePrivilege(ctx, privilegeFor(kind))) return;
  const verb = `UN${kind}LINE`;
  const mask = kind === "K" ? parseKlineMask(text) : parseDlineMask(text);
  if (typeof mask !== "string") return ctx.fail(verb, "INVALID_MASK", mask.error);
  let removed: boolean;
  try {
    removed = await ctx.server.bans.remove(kind, mask);
  } catch (err) {
    ctx.server.log.error(`${verb} ${mask}: ${errorMessage(err)}`);
    return ctx.fail(verb, "TEMPORARILY_UNAVAILABLE", "Cannot remove the ban now; try again");
  }
  if (!removed) return ctx.notice(`No ${label(kind)} for ${mask}`);
  ctx.server.log.info(`${verb} ${mask} by ${ctx.user.source}`);
  ctx.notice(`Removed ${label(kind)} for ${mask}`);
}

/**
 * STATS k / STATS d: one line per ban in force, `216 <nick> K <mask> <set by> <seconds left, 0:
 * permanent> :<reason>` (250 and `D` for D-lines), then 219. Other letters answer 219 alone.
 */
function stats(ctx: Context, letter: string): void | Promise<void> {
  const query = letter.charAt(0);
  const kind: BanKind | undefined = query.toLowerCase() === "k"
    ? "K"
    : query.toLowerCase() === "d"
    ? "D"
    : undefined;
  if (kind && !requireOper(ctx)) return;
  const now = Date.now();
  const numeric = kind === "K" ? N.RPL_STATSKLINE : N.RPL_STATSDLINE;
  const lines = kind ? ctx.server.bans.list.list(kind, now) : [];
  // up to MAX_BANS lines: paced as the oper's queue drains (long_reply.ts)
  return sendLong(ctx, [
    ...lines.map((ban) => {
      const left = ban.expiresAt === undefined ? 0 : Math.ceil((ban.expiresAt - now) / 1000);
      return ctx.numeric(numeric, kind!, ban.mask, ban.setBy, String(left), ban.reason);
    }),
    ctx.numeric(N.RPL_ENDOFSTATS, query || "*", "End of /STATS report"),
  ]);
}

/** KLINE, UNKLINE, DLINE, UNDLINE, STATS. */
export const banCommands: Record<string, CommandSpec> = {
  KLINE: { minParams: 1, handler: (ctx, params) => addBan(ctx, "K", params) },
  UNKLINE: { minParams: 1, handler: (ctx, [mask]) => removeBan(ctx, "K", mask) },
  DLINE: { minParams: 1, handler: (ctx, params) => addBan(ctx, "D", params) },
  UNDLINE: { minParams: 1, handler: (ctx, [mask]) => removeBan(ctx, "D", mask) },
  STATS: { minParams: 1, handler: (ctx, [letter]) => stats(ctx, letter) },
};
