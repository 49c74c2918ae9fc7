/**
 * Flood pacing for what the user sends: a token bucket that lets a short burst out at once and
 * then spaces lines out, so a pasted file or a long pipe is not cut off as "Excess Flood" by
 * servers that penalise bursts (InspIRCd, Solanum, Ergo).
 *
 * @module
 */

import { TokenBucket } from "../util/token_bucket.ts";

/** Pacing parameters. */
export interface PacingPolicy {
  /** Lines that may go out back to back. */
  burst: number;
  /** One more line is allowed every this many milliseconds. */
  intervalMs: number;
}

/**
 * A burst of 5, then one line a second: within InspIRCd's default (1 command/s after a
 * threshold) and Ergo's and Solanum's (burst 5, then 2/s). Measured against InspIRCd 3.15 here,
 * 2 lines/s made it hold lines back for many seconds.
 */
export const DEFAULT_PACING: PacingPolicy = { burst: 5, intervalMs: 1000 };

/** The bucket that paces lines by `policy`, full at `now`. */
export function pacingBucket(policy: PacingPolicy, now: number): TokenBucket {
  return new TokenBucket(policy.burst, 1000 / policy.intervalMs, now);
}
