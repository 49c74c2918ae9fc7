/**
 * draft/pre-away: whether a user is there, across its connections. A connection that says
 * `AWAY *` (before registration or after) is automatic, "as though it did not exist" (the spec's
 * note for servers with several connections per user): a user with connections, none of them
 * present, is away (`*`, or `Disconnected` for an always-on user, as with none), and the first
 * present one ends that away. An away message a person sets is the user's, whichever connection
 * set it (as AWAY always was), and `AWAY *` never replaces it.
 *
 * @module
 */

import { OFFLINE_AWAY } from "./always_on.ts";
import type { Hub } from "./hub.ts";
import type { Session } from "./state/session.ts";
import type { User } from "./state/user.ts";

/** The capability that lets AWAY come before registration and gives `AWAY *` its meaning. */
export const PRE_AWAY = "draft/pre-away";

/** The AWAY parameter of a connection that is not a person being there. */
export const ABSENT = "*";

/** True when one of the user's sessions counts as the user being there (none said `AWAY *`). */
export function hasPresentSession(user: User): boolean {
  return user.sessions.some((s) => !s.absent);
}

/**
 * The user has sessions and none is present: unless it is away already (a message of its own),
 * it is away now, automatically (`awayOffline`), as an always-on user with no session is.
 */
export function markAbsentIfNonePresent(hub: Hub, user: User): void {
  if (user.sessions.length === 0 || hasPresentSession(user) || user.away !== undefined) return;
  user.awayOffline = true;
  hub.setAway(user, user.alwaysOn ? OFFLINE_AWAY : ABSENT);
}

/**
 * What a session said with AWAY before its registration ended, made the user's at the welcome
 * (its own new user's, or the account's user it attached to).
 */
export function applyPreAway(hub: Hub, user: User, session: Session): void {
  const message = session.preAway;
  session.preAway = undefined;
  if (message !== undefined) {
    user.awayOffline = false;
    hub.setAway(user, message);
  } else markAbsentIfNonePresent(hub, user);
}
