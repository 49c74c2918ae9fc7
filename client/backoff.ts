/**
 * The reconnect schedule: exponential backoff with jitter, so a restarted server is not hit by
 * every client at the same instant, and a dead one is not hammered.
 *
 * @module
 */

/** Backoff parameters. */
export interface BackoffPolicy {
  /** Delay before the first retry. */
  initialMs: number;
  /** Upper bound the doubling stops at. */
  maxMs: number;
  /** Fraction of the delay removed at random (0: none, 0.25: up to a quarter sooner). */
  jitter: number;
}

/** 1 s doubling to 60 s, up to 20% sooner at random (what the issue asks for). */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, jitter: 0.2 };

/**
 * The delay before retry number `attempt` (0 for the first retry after a drop), given a random
 * number in [0, 1). Without jitter: 1, 2, 4, 8, 16, 32, 60, 60, … seconds.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: number): number {
  const base = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (1 - policy.jitter * random));
}
