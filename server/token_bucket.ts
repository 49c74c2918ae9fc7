/**
 * A token bucket: a burst of `capacity` events, then `ratePerSecond` steadily. Flood control
 * ("fakelag") delays a client's commands with it, the connection throttle counts new
 * connections per IP with it, and the auth throttle password checks and registrations.
 *
 * @module
 */

/** Burst-then-steady-rate limiter; pure arithmetic on the times it is given. */
export class TokenBucket {
  readonly capacity: number;
  readonly ratePerSecond: number;
  #tokens: number;
  #last: number;

  constructor(capacity: number, ratePerSecond: number, now: number) {
    this.capacity = capacity;
    this.ratePerSecond = ratePerSecond;
    this.#tokens = capacity;
    this.#last = now;
  }

  #refill(now: number): void {
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#tokens = Math.min(this.capacity, this.#tokens + elapsed * this.ratePerSecond);
    this.#last = now;
  }

  /** Takes a token if one is there: returns 0; otherwise the milliseconds until one will be. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.ratePerSecond) * 1000);
  }

  /** Gives back a token taken for something that turned out to cost nothing. */
  refund(): void {
    this.#tokens = Math.min(this.capacity, this.#tokens + 1);
  }

  /** True when the bucket is full again (nothing to remember any more). */
  isFull(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.capacity;
  }
}
