/**
 * The progress line a long bench run prints on stderr about once a second.
 *
 * @module
 */

import type { BenchOptions } from "./options.ts";
import type { ShardProgress } from "./shard.ts";

/** What the progress line is made from. */
export interface ProgressState {
  phase: "join" | "send" | "stop";
  options: BenchOptions;
  /** Absolute ms the run started. */
  startedMs: number;
  /** Latest progress of each shard (undefined before its first report). */
  latest: (ShardProgress | undefined)[];
}

const n = (v: number) => v.toLocaleString("en-US");

/** `[12.0 s] join 4,000/10,000 (3 failed)` or `[3.1 s] send 1,200,000/1,990,000 delivered …`. */
export function formatProgress(s: ProgressState, nowMs: number): string {
  const sum = (f: (p: ShardProgress) => number) => s.latest.reduce((a, p) => a + (p ? f(p) : 0), 0);
  const t = `[${((nowMs - s.startedMs) / 1000).toFixed(1)} s]`;
  if (s.phase === "join") {
    const failed = sum((p) => p.joinFailed);
    return `${t} join ${n(sum((p) => p.joined))}/${n(s.options.clients)}` +
      (failed > 0 ? ` (${n(failed)} failed)` : "");
  }
  if (s.phase === "send") {
    const disc = sum((p) => p.disconnects);
    return `${t} send: ${n(sum((p) => p.acked))}/${
      n(sum((p) => p.senders) * s.options.messages)
    } ` +
      `messages acknowledged, ${n(sum((p) => p.delivered))}/${
        n(sum((p) => p.expected))
      } delivered` +
      (disc > 0 ? `, ${n(disc)} disconnected` : "");
  }
  return `${t} collecting results`;
}
