/**
 * Throttles password guessing: each account gets a few login attempts at once, then one every
 * twelve seconds, whatever connection they come from.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";
import { TokenBucket } from "./token_bucket.ts";

const BURST = 5;
const PER_SECOND = 1 / 12;

/** Per-account login attempt limiter. */
export class LoginThrottle {
  readonly #buckets = new Map<string, TokenBucket>();

  /** Takes an attempt for `account`: 0 when allowed, else the milliseconds to wait. */
  attempt(account: string, now = Date.now()): number {
    const key = foldCase(account);
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size > 10_000) this.sweep(now);
      bucket = new TokenBucket(BURST, PER_SECOND, now);
      this.#buckets.set(key, bucket);
    }
    return bucket.take(now);
  }

  /** Forgets accounts whose budget is full again. */
  sweep(now = Date.now()): void {
    for (const [key, bucket] of this.#buckets) if (bucket.isFull(now)) this.#buckets.delete(key);
  }
}
