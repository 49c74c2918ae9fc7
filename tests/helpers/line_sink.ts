/**
 * A sink that keeps what it is sent as lines: the users of tests that drive the network model
 * or a cluster replica without sockets or command handlers.
 */
import type { Outgoing } from "../../server/outgoing.ts";
import type { Sink } from "../../server/state/session.ts";

/** Records each message as its plain line; `take()` returns them and starts over. */
export class LineSink implements Sink {
  lines: string[] = [];

  send(out: Outgoing): void {
    this.lines.push(out.line());
  }

  terminate(): void {}

  take(): string[] {
    const lines = this.lines;
    this.lines = [];
    return lines;
  }
}
