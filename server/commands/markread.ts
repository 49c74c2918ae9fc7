/**
 * MARKREAD (IRCv3 `draft/read-marker`): an account's read marker per conversation, set from one
 * connection and told to every connection of the account that asked for `draft/read-marker`, and
 * sent after each JOIN. Markers belong to the account: a user who is not logged in has none, and
 * a channel's marker is for its members.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import { isChannelName, nickProblem } from "../../protocol/names.ts";
import type { CommandSpec } from "../command_table.ts";
import type { Context } from "../context.ts";
import { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import { errorMessage } from "../../util/error_message.ts";

/** The capability whose connections are told markers. */
export const READ_MARKER_CAP = "draft/read-marker";

/** `timestamp=…` of a marker, or `*` when there is none. */
function markerParam(time: number | undefined): string {
  return time === undefined ? "*" : `timestamp=${new Date(time).toISOString()}`;
}

/** A `timestamp=YYYY-MM-DDThh:mm:ss.sssZ` parameter as milliseconds; undefined if malformed. */
export function parseMarker(param: string): number | undefined {
  const m = /^timestamp=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)$/.exec(param);
  const time = m ? Date.parse(m[1]!) : NaN;
  return Number.isFinite(time) ? time : undefined;
}

/**
 * Sends the account's marker for a channel just joined, when the session asked for markers
 * (before the names end, as the extension wants). Nothing for a user without an account.
 */
export function sendChannelMarker(ctx: Context, channel: Channel): void | Promise<void> {
  const account = ctx.user.account;
  if (account === undefined || !ctx.has(READ_MARKER_CAP)) return;
  const send = (time: number | undefined) =>
    ctx.sendFromServer("MARKREAD", [channel.name, markerParam(time)]);
  return ctx.stores.readMarkers.get(foldCase(account), channel.folded).then(send, (err) => {
    ctx.server.log.warn(`read markers: ${errorMessage(err)}`);
    send(undefined);
  });
}

/** Why `target` cannot have a marker for this user, or undefined. */
function targetProblem(ctx: Context, target: string): string | undefined {
  if (isChannelName(target)) {
    const channel = ctx.hub.findChannel(target);
    return channel?.has(ctx.user) ? undefined : "You are not on that channel";
  }
  const nickLength = ctx.server.limits.nickLength;
  return nickProblem(target, nickLength) === undefined ? undefined : "No such nick or channel";
}

/**
 * Answers the session that set a marker with the marker as kept, and, when it moved, tells the
 * user's other sessions (the account's other connections) that asked for markers.
 */
function broadcast(ctx: Context, target: string, kept: number, moved: boolean) {
  const out = new Outgoing(msg("MARKREAD", [target, markerParam(kept)], ctx.server.name));
  ctx.answer(out);
  if (!moved) return;
  const { user } = ctx;
  const filter = { cap: READ_MARKER_CAP };
  for (const session of user.sessions) {
    if (session !== ctx.session && session.accepts(filter)) user.sendTo(session, out);
  }
}

/** MARKREAD. */
export const markreadCommands: Record<string, CommandSpec> = {
  MARKREAD: {
    minParams: 0,
    async handler(ctx, params) {
      const [target, stamp] = params;
      if (target === undefined || target === "") {
        ctx.fail("MARKREAD", "NEED_MORE_PARAMS", "Missing parameters");
        return;
      }
      const account = ctx.user.account;
      if (account === undefined) {
        ctx.fail("MARKREAD", "ACCOUNT_REQUIRED", target, "Log in to keep read markers");
        return;
      }
      const problem = targetProblem(ctx, target);
      if (problem !== undefined) {
        ctx.fail("MARKREAD", "INVALID_PARAMS", target, problem);
        return;
      }
      const time = stamp === undefined ? undefined : parseMarker(stamp);
      if (stamp !== undefined && time === undefined) {
        ctx.fail("MARKREAD", "INVALID_PARAMS", stamp, "Timestamp must be timestamp=<ISO 8601 UTC>");
        return;
      }
      const markers = ctx.stores.readMarkers;
      const key = foldCase(target);
      try {
        if (time === undefined) {
          const kept = await markers.get(foldCase(account), key);
          ctx.sendFromServer("MARKREAD", [target, markerParam(kept)]);
          return;
        }
        // never past now: a marker in the future would hide messages yet to come
        const wanted = Math.min(time, Date.now());
        const kept = await markers.set(foldCase(account), key, wanted);
        if (kept === undefined) {
          ctx.fail("MARKREAD", "LIMIT_EXCEEDED", target, "Too many conversations with a marker");
          return;
        }
        broadcast(ctx, target, kept, kept === wanted);
      } catch (err) {
        ctx.server.log.warn(`read markers: ${errorMessage(err)}`);
        ctx.fail("MARKREAD", "INTERNAL_ERROR", target, "The read timestamp could not be set");
      }
    },
  },
};
