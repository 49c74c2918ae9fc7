/**
 * Flood control's token bucket, counted: every time it tells a client's line to wait is one
 * `chat_flood_delays_total` (metrics/counters.ts), so an operator sees flood control at work.
 *
 * @module
 */

import { TokenBucket } from "../util/token_bucket.ts";
import { COUNTERS } from "./metrics/counters.ts";

/** A `TokenBucket` whose refusals are counted as flood delays. */
export class FloodBucket extends TokenBucket {
  override take(now: number): number {
    const wait = super.take(now);
    if (wait > 0) COUNTERS.floodDelays++;
    return wait;
  }
}
