/**
 * A token bucket: a burst of `capacity` events, then `ratePerSecond` steadily. The server's flood
 * control ("fakelag") delays a client's commands with it, the connection throttle counts new
 * connections per IP with it, the auth throttle password checks and registrations; the terminal
 * client paces what its user sends with it (client/pacer.ts).
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

  /** The milliseconds until a token will be there (0: now), taking none: for a caller that waits. */
  delay(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil(((1 - this.#tokens) / this.ratePerSecond) * 1000);
  }

  /** Takes a token if one is there: returns 0; otherwise the milliseconds until one will be. */
  take(now: number): number {
    const wait = this.delay(now);
    if (wait === 0) this.#tokens -= 1;
    return wait;
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
