/**
 * Sending read markers without flooding: the conversations whose marker moved are collected and
 * sent together, at most once per interval (the first at once), so a burst of lines shown costs
 * one MARKREAD per conversation, not one per line. What could not be sent (no connection) waits
 * for `flush`.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";

/** Sends the markers of `targets`; false when there is no connection to send them on. */
export type MarkSender = (targets: string[]) => boolean;

/** Collects moved markers and sends them at most once per `intervalMs`. */
export class MarkThrottle {
  readonly #intervalMs: number;
  readonly #send: MarkSender;
  readonly #now: () => number;
  readonly #pending = new Map<string, string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastSent = -Infinity;

  constructor(intervalMs: number, send: MarkSender, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#send = send;
    this.#now = now;
  }

  /** Conversations waiting to be sent, by name. */
  get pending(): string[] {
    return [...this.#pending.values()];
  }

  /** Notes that the marker of `target` moved: sent now, or when the interval has passed. */
  add(target: string): void {
    this.#pending.set(foldCase(target), target);
    if (this.#timer !== undefined) return;
    const wait = this.#lastSent + this.#intervalMs - this.#now();
    if (wait <= 0) return this.flush();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
  }

  /** Sends what is pending, if anything and if not waiting for the interval. */
  flush(): void {
    if (this.#pending.size === 0 || this.#timer !== undefined) return;
    if (!this.#send(this.pending)) return;
    this.#pending.clear();
    this.#lastSent = this.#now();
  }

  /** Stops the timer (the session ended). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
