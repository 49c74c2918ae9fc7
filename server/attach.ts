/**
 * One user, several connections: a connection that logs in to an account whose user is already
 * here attaches to that user (its nick, channels and modes) instead of becoming a second one, and
 * is told what its user is in; a connection that ends leaves the user to its other sessions.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { sendJoinReplies } from "./commands/join.ts";
import type { Context } from "./context.ts";
import type { Hub } from "./hub.ts";
import { joinLines } from "./join_batch.ts";
import { Outgoing } from "./outgoing.ts";
import type { Session } from "./state/session.ts";
import type { User } from "./state/user.ts";

/** What logging in did to the connection's user. */
export type AttachOutcome =
  /** The session now belongs to the account's user (`ctx.user` changed). */
  | "attached"
  /** The account has no user here yet: this one is it. */
  | "alone"
  /** The account's user has `--max-sessions` sessions: this connection stays a user of its own. */
  | "full";

/**
 * Moves the session of `ctx` to the user of the account it is logged in to, when that user is
 * another one. A registering user gives up the nick it claimed; a registered one leaves the
 * network (others see it quit) after its client is told it left its channels and took the nick
 * of the user it joins, so the client's view stays true.
 */
export function attachToAccount(ctx: Context): AttachOutcome {
  const { user: was, session, hub } = ctx;
  if (was.account === undefined) return "alone";
  const owner = hub.accountUser(was.account);
  if (!owner || owner === was) return "alone";
  const max = ctx.server.limits.maxSessions;
  if (owner.sessions.length >= max) {
    ctx.fail(
      "*",
      "TOO_MANY_SESSIONS",
      was.account,
      `${owner.nick} already has ${max} connections, the most one account may have; ` +
        "this one is a separate user",
    );
    return "full";
  }
  const reason = `Attached to ${owner.nick}`;
  if (was.registered) {
    for (const channel of was.channels.values()) {
      ctx.answer(new Outgoing(msg("PART", [channel.name, reason], was.source)));
    }
    ctx.answer(new Outgoing(msg("NICK", [owner.nick], was.source)));
  }
  was.detach(session);
  hub.quit(was, reason); // or, still registering, gives up its claimed nick
  owner.attach(session);
  ctx.user = owner;
  return "attached";
}

/**
 * Tells a session that just attached what its user is in: each channel as at a JOIN (the JOIN
 * line, marker, topic, names, recent history), and whether the user is away.
 */
export async function sendUserState(ctx: Context): Promise<void> {
  const { user } = ctx;
  const extended = ctx.has("extended-join");
  for (const channel of [...user.channels.values()]) {
    const lines = joinLines(channel, user, Date.now());
    ctx.answer(extended ? lines.extended : lines.plain);
    await sendJoinReplies(ctx, channel);
  }
  if (user.away !== undefined) ctx.reply(N.RPL_NOWAWAY, "You have been marked as being away");
}

/**
 * A connection ended: its session leaves the user, which quits with `reason` when that was its
 * last.
 */
export function endSession(hub: Hub, user: User, session: Session, reason: string): void {
  user.detach(session);
  if (user.sessions.length === 0) hub.quit(user, reason);
}
