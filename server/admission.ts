/**
 * Who may connect: at most N concurrent connections per IP, and a throttle on new connections
 * per IP, except for exempt ranges (loopback by default: local bouncers, bridges, tests and
 * benchmarks, as Ergo does).
 *
 * @module
 */

import { type Cidr, cidrContains, parseIp } from "./cidr.ts";
import { TokenBucket } from "../util/token_bucket.ts";

/** The admission rules. */
export interface AdmissionLimits {
  /** Concurrent connections per IP (0: unlimited). */
  maxPerIp: number;
  /** New connections per IP in a burst, then `throttleRatePerMinute`. 0 disables the throttle. */
  throttleBurst: number;
  throttleRatePerMinute: number;
  /** Ranges the limits do not apply to. */
  exempt: Cidr[];
}

/** Why a connection is refused, as the ERROR line says it. */
export type Refusal = "Too many connections from your IP" | "Connecting too fast; try again later";

/** Per-IP bookkeeping for the accept loop. */
export class Admission {
  readonly #limits: AdmissionLimits;
  readonly #open = new Map<string, number>();
  readonly #throttles = new Map<string, TokenBucket>();

  constructor(limits: AdmissionLimits) {
    this.#limits = limits;
  }

  /** Decides on a new connection; when admitted, `release` must be called when it closes. */
  admit(ip: string, now = Date.now()): Refusal | undefined {
    const limits = this.#limits;
    const bytes = parseIp(ip);
    if (bytes && limits.exempt.some((range) => cidrContains(range, bytes))) {
      this.#open.set(ip, (this.#open.get(ip) ?? 0) + 1);
      return undefined;
    }
    // Every attempt counts against the throttle, refused ones too.
    if (limits.throttleBurst > 0) {
      let bucket = this.#throttles.get(ip);
      if (!bucket) {
        bucket = new TokenBucket(limits.throttleBurst, limits.throttleRatePerMinute / 60, now);
        this.#throttles.set(ip, bucket);
      }
      if (bucket.take(now) > 0) return "Connecting too fast; try again later";
    }
    const open = this.#open.get(ip) ?? 0;
    if (limits.maxPerIp > 0 && open >= limits.maxPerIp) return "Too many connections from your IP";
    this.#open.set(ip, open + 1);
    return undefined;
  }

  /**
   * Counts an admitted connection under `to` instead of `from` (its real address became known):
   * a refusal, and nothing changed, when `to` is over the limits.
   */
  move(from: string, to: string, now = Date.now()): Refusal | undefined {
    const refusal = this.admit(to, now);
    if (refusal === undefined) this.release(from);
    return refusal;
  }

  /** Forgets one closed connection. */
  release(ip: string): void {
    const open = (this.#open.get(ip) ?? 1) - 1;
    if (open <= 0) this.#open.delete(ip);
    else this.#open.set(ip, open);
  }

  /** Drops throttle state that has fully recovered, so the map does not grow forever. */
  sweep(now = Date.now()): void {
    for (const [ip, bucket] of this.#throttles) if (bucket.isFull(now)) this.#throttles.delete(ip);
  }

  /** Open connections counted per IP (for tests and stats). */
  openFrom(ip: string): number {
    return this.#open.get(ip) ?? 0;
  }
}
