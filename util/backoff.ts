/**
 * Retry schedules: exponential backoff with jitter, so a restarted server is not hit by every
 * client at the same instant, and a dead one is not hammered. The terminal client reconnects to
 * its server by it, a cluster node to Redis.
 *
 * @module
 */

/** Backoff parameters. */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound the doubling stops at. */
  maxMs: number;
  /** Fraction of the delay chance may remove (0: none, 0.25: up to a quarter sooner). */
  jitter: number;
  /** Fraction chance may add (0.2: up to a fifth later); none when absent. */
  jitterLater?: number;
}

/** 1 s doubling to 60 s, up to 20% sooner at random: the terminal client's reconnects. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, jitter: 0.2 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a drop), given a random
 * number in [0, 1): 0 gives the longest delay, numbers towards 1 the shortest. Without jitter,
 * by DEFAULT_BACKOFF: 1, 2, 4, 8, 16, 32, 60, 60, … seconds.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  const later = policy.jitterLater ?? 0;
  return Math.round(base * (1 + later - (policy.jitter + later) * random));
}
