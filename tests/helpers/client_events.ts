/**
 * Collects the events a client session shows, with a deadline-bound wait for the next one
 * matching a predicate (never a sleep).
 *
 * @module
 */

import type { ChatEvent } from "../../client/events.ts";
import { DEADLINE_MS } from "../../scripts/support/irc_client.ts";

/** Events in arrival order, and a way to wait for one. */
export class EventLog {
  readonly events: ChatEvent[] = [];
  #cursor = 0;
  #waiters: (() => void)[] = [];

  /** The sink to hand to a session. */
  readonly sink = (e: ChatEvent): void => {
    this.events.push(e);
    for (const w of this.#waiters.splice(0)) w();
  };

  /** Waits for the next event (after the last match) satisfying `test`. */
  async waitFor(test: (e: ChatEvent) => boolean, timeoutMs = DEADLINE_MS): Promise<ChatEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const e of this.events.slice(this.#cursor)) {
        this.#cursor++;
        if (test(e)) return e;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const recent = this.events.slice(-15).map((e) => `${e.kind}: ${e.text}`).join("\n  ");
        throw new Error(`timed out waiting for ${test}\n  ${recent}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }
}
