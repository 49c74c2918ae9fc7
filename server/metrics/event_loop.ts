/**
 * Event-loop delay: a timer asks to run every SAMPLE_MS and notes how late it ran. A blocked loop
 * (a slow synchronous commit, a huge fan-out) shows as lateness; the worst since the last scrape
 * and the latest are kept. The timer does not keep the process alive.
 *
 * @module
 */

/** How often the loop is sampled. */
const SAMPLE_MS = 100;

/** Samples the event loop's lateness while started. */
export class EventLoopMonitor {
  #timer: ReturnType<typeof setInterval> | undefined;
  #expected = 0;
  /** The latest lateness, in seconds. */
  last = 0;
  /** The worst lateness since `takeMax` was last called, in seconds. */
  #max = 0;

  /** Starts sampling (idempotent). */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#expected = performance.now() + SAMPLE_MS;
    const timer = setInterval(() => {
      const now = performance.now();
      this.last = Math.max(0, now - this.#expected) / 1000;
      if (this.last > this.#max) this.#max = this.last;
      this.#expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  /** Stops sampling. */
  stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** The worst lateness since the last call (a scrape), in seconds; starts a new window. */
  takeMax(): number {
    const max = Math.max(this.#max, this.last);
    this.#max = 0;
    return max;
  }
}
