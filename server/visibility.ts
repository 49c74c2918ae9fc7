/**
 * Who may see an invisible (`+i`) user in a listing, as RFC 2812 says: WHO by mask lists only
 * visible users (those without `+i`, or sharing a channel with the asker), and a channel's WHO
 * and NAMES show its invisible members only to its members. One rule for WHO and NAMES; the user
 * itself and operators see everyone.
 *
 * @module
 */

import type { Channel } from "./state/channel.ts";
import type { User } from "./state/user.ts";

/** True when the two users are on a channel together. */
export function sharesChannel(a: User, b: User): boolean {
  for (const channel of a.channels.values()) if (channel.has(b)) return true;
  return false;
}

/** Whether a WHO by mask (not a channel) may list `target` to `asker`. */
export function listedByMask(asker: User, target: User): boolean {
  return asker === target || asker.isOper || !target.modes.includes("i") ||
    sharesChannel(asker, target);
}

/** Whether a channel's WHO or NAMES may list `member` to `asker`. */
export function listedInChannel(asker: User, channel: Channel, member: User): boolean {
  return !member.modes.includes("i") || asker.isOper || channel.has(asker);
}
