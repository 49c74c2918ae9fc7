/**
 * When a sender may send: at most `window` messages not yet acknowledged by the server (each
 * batch ends with a PING whose PONG acknowledges everything before it), and with a rate, not
 * before message k's due time start + k/rate. Pure state, so the pacing rules are unit-tested
 * apart from sockets and timers.
 *
 * @module
 */

/** One sender's pacing state. */
export class Pacer {
  readonly messages: number;
  readonly window: number;
  /** Messages per second; 0 = as fast as the window allows. */
  readonly rate: number;
  /** When sending started (ms, any clock the caller keeps using). */
  readonly startMs: number;
  /** Messages written so far. */
  sent = 0;
  /** Messages the server has acknowledged (processed) so far. */
  acked = 0;

  constructor(messages: number, window: number, rate: number, startMs: number) {
    this.messages = messages;
    this.window = window;
    this.rate = rate;
    this.startMs = startMs;
  }

  /** A PING goes after every this many messages (and after the last of each batch). */
  get pingEvery(): number {
    return Math.max(1, Math.floor(this.window / 2));
  }

  /** Messages that may be written now. */
  allowance(nowMs: number): number {
    const byWindow = this.acked + this.window - this.sent;
    const byRate = this.rate === 0
      ? Infinity
      : Math.floor(((nowMs - this.startMs) * this.rate) / 1000) + 1 - this.sent;
    return Math.max(0, Math.min(byWindow, byRate, this.messages - this.sent));
  }

  /** When the next message is due (ms); `startMs` when unpaced. */
  nextDueMs(): number {
    return this.rate === 0 ? this.startMs : this.startMs + (this.sent * 1000) / this.rate;
  }

  /** True when the window, not the clock, is what holds the next message back. */
  windowFull(): boolean {
    return this.sent - this.acked >= this.window;
  }

  /** Records an acknowledgement of the first `count` messages (PONG tokens may come late). */
  ack(count: number): void {
    if (count > this.acked && count <= this.sent) this.acked = count;
  }

  /** Every message written and acknowledged. */
  get done(): boolean {
    return this.acked >= this.messages;
  }
}
