/**
 * Telling users that history is not being stored. An echo (echo-message) and a PONG mean "stored"
 * (see store/history.ts); once an outage of the store has outlasted its hold, they are sent anyway,
 * so their clients are told first. A user is told once per outage: before the first echo or PONG
 * that would otherwise mislead them, and when they send a message while it lasts.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import type { Context } from "./context.ts";
import { Outgoing } from "./outgoing.ts";
import type { User } from "./state/user.ts";
import type { HistoryStore } from "./store/history.ts";

/** The text of the NOTICE. */
export const NOT_STORED =
  "*** The server cannot store messages right now: what you send is delivered, but may be " +
  "missing from history";

/** The outage each user was last told about (a weak map: nothing kept for users who leave). */
const told = new WeakMap<User, number>();

/**
 * The NOTICE for a user who has not been told about the store's current outage yet (marking them
 * told), or undefined: no outage past its hold, or told already.
 */
export function notStoredNotice(
  user: User,
  history: HistoryStore,
  serverName: string,
): Outgoing | undefined {
  const episode = history.outageEpisode;
  if (episode === 0 || told.get(user) === episode) return undefined;
  told.set(user, episode);
  return new Outgoing(msg("NOTICE", [user.nick, NOT_STORED], serverName));
}

/** Sends the context's user that NOTICE, if it is due. */
export function warnNotStored(ctx: Context): void {
  const notice = notStoredNotice(ctx.user, ctx.stores.history, ctx.server.name);
  if (notice) ctx.answer(notice);
}
