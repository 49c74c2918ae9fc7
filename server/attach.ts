/**
 * One user, several connections: a connection that logs in to an account whose user is already
 * here attaches to that user (its nick, channels and modes) instead of becoming a second one, and
 * is told what its user is in (with `chghost`, the user@host it takes on); a connection that ends
 * leaves the user to its other sessions.
 *
 * @module
 */

import { msg } from "../protocol/message.ts";
import { N } from "../protocol/numerics.ts";
import { sendJoinReplies } from "./commands/join.ts";
import { catchesUp, catchUpPrivate } from "./catch_up.ts";
import type { Context } from "./context.ts";
import type { Hub } from "./hub.ts";
import { joinLines } from "./join_batch.ts";
import { describeSession } from "./moved_session.ts";
import { markAbsentIfNonePresent } from "./presence.ts";
import { Outgoing } from "./outgoing.ts";
import type { Session } from "./state/session.ts";
import type { User } from "./state/user.ts";

/** The capability of a client told when its own or a neighbour's user@host changes (CHGHOST). */
export const CHGHOST = "chghost";

/** What logging in did to the connection's user. */
export type AttachOutcome =
  /**
   * The session now belongs to the account's user (`ctx.user` changed); `missedSince` is when
   * that user's last session ended, if it had none (what was said since is caught up on).
   */
  | { missedSince: number | undefined }
  /** The account has no user here yet: this one is it. */
  | "alone"
  /** The account's user has `--max-sessions` sessions: this connection stays a user of its own. */
  | "full"
  /**
   * The account's user has sessions on another cluster node: the connection moved there, which
   * goes on with it (its welcome, its channels); nothing more happens here.
   */
  | "moved";

/**
 * Moves the session of `ctx` to the user of the account it is logged in to, when that user is
 * another one (in a cluster, brought to this node first if it has no session where it is, else
 * the connection moves to that node). A registering user gives up the nick it claimed; a
 * registered one leaves the network (others see it quit) after its client is told it left its
 * channels and took the nick of the user it joins, so the client's view stays true.
 */
export async function attachToAccount(ctx: Context): Promise<AttachOutcome> {
  const { user: was, session, hub } = ctx;
  if (was.account === undefined) return "alone";
  const owner = hub.accountUser(was.account, was);
  if (!owner) return "alone";
  if (hub.bringHere && !(await hub.bringHere(owner))) {
    if (!moveToOwner(ctx, owner)) return "alone";
    hub.monitors.forget(session); // its session goes on there
    leaveOwnUser(ctx, owner);
    return "moved";
  }
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
  leaveOwnUser(ctx, owner);
  const missedSince = owner.sessions.length === 0 ? owner.lastSeen : undefined;
  owner.attach(session);
  ctx.user = owner;
  // back from always-on, or a person's connection among automatic ones (presence.ts)
  if (owner.sessions.length === 1 || owner.awayOffline) hub.setPresent(owner, true);
  return { missedSince };
}

/** Turns the connection of `ctx` into a pipe to the node `owner` is on; false if it cannot. */
function moveToOwner(ctx: Context, owner: User): boolean {
  const { hub, session } = ctx;
  if (!hub.moveSession || !session.sink.moveTo) return false;
  const { user } = ctx;
  const monitor = hub.monitors.targets(session);
  const state = describeSession(user, session, user.registered ? "attach" : "welcome", monitor);
  return session.sink.moveTo((socket) => hub.moveSession!(owner, state, socket));
}

/** The connection's own user ends, its session now `owner`'s (here or on another node). */
function leaveOwnUser(ctx: Context, owner: User): void {
  const { user: was, session, hub } = ctx;
  const reason = `Attached to ${owner.nick}`;
  if (was.registered) {
    for (const channel of was.channels.values()) {
      ctx.answer(new Outgoing(msg("PART", [channel.name, reason], was.source)));
    }
    ctx.answer(new Outgoing(msg("NICK", [owner.nick], was.source)));
    if (ctx.has(CHGHOST) && (was.username !== owner.username || was.hostname !== owner.hostname)) {
      // its user@host is its user's now: the one path where a user's visible host changes
      const source = `${owner.nick}!${was.username}@${was.hostname}`;
      ctx.answer(new Outgoing(msg("CHGHOST", [owner.username, owner.hostname], source)));
    }
  }
  was.detach(session);
  was.alwaysOn = false; // the account's user is `owner`: `was` ends for good
  hub.quit(was, reason); // or, still registering, gives up its claimed nick
}

/**
 * Tells a session that just attached what its user is in: each channel as at a JOIN (the JOIN
 * line, marker, topic, names, recent history, or what it missed since `missedSince`), the
 * private messages it missed, and whether the user is away.
 */
export async function sendUserState(ctx: Context, missedSince?: number): Promise<void> {
  const { user } = ctx;
  const extended = ctx.has("extended-join");
  for (const channel of [...user.channels.values()]) {
    const lines = joinLines(channel, user, Date.now());
    ctx.answer(extended ? lines.extended : lines.plain);
    await sendJoinReplies(ctx, channel, missedSince);
  }
  if (missedSince !== undefined && catchesUp(ctx)) await catchUpPrivate(ctx, missedSince);
  if (user.away !== undefined) ctx.reply(N.RPL_NOWAWAY, "You have been marked as being away");
}

/**
 * A connection ended: its session leaves the user. When that was its last, an always-on user
 * stays (away), any other quits with `reason`; when those left all said `AWAY *`, it is away.
 */
export function endSession(hub: Hub, user: User, session: Session, reason: string): void {
  hub.monitors.forget(session);
  user.detach(session);
  if (user.sessions.length > 0) return markAbsentIfNonePresent(hub, user);
  if (user.alwaysOn && user.account !== undefined && user.registered) hub.setPresent(user, false);
  else hub.quit(user, reason);
}
