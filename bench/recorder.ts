/**
 * What one shard counts while it runs: joins, deliveries, latencies, order and loss. Shared by
 * all of a shard's clients so progress is O(1) to read; turned into a plain `ShardCounts` for
 * the coordinator.
 *
 * @module
 */

import { Histogram, type HistogramData } from "./histogram.ts";

/** Time in µs since the run's epoch (an absolute wall-clock ms all processes agree on). */
export function clockUs(epochMs: number): number {
  return (performance.timeOrigin + performance.now() - epochMs) * 1000;
}

/** A shard's counters as JSON. */
export interface ShardCounts {
  clients: number;
  joined: number;
  joinFailed: number;
  /** Failure reason → clients. */
  failReasons: Record<string, number>;
  /** Connect-to-end-of-NAMES time per client, µs. */
  joinTimes: HistogramData;
  /** When the first connect started and the last join ended (µs since epoch). */
  joinStartUs: number;
  joinEndUs: number;
  expected: number;
  delivered: number;
  lost: number;
  outOfOrder: number;
  duplicates: number;
  /** Deliveries from a sender not in the receiver's channel (a server routing bug). */
  misrouted: number;
  /** Bench messages of another run (history replayed on JOIN, a concurrent bench): ignored. */
  foreign: number;
  /** Send-to-receive time per delivery, µs. */
  latency: HistogramData;
  firstDeliveryUs: number;
  lastDeliveryUs: number;
  sent: number;
  acked: number;
  sendersDone: number;
  senders: number;
  /** Clients the server disconnected after they had joined. */
  disconnects: number;
  disconnectReasons: Record<string, number>;
  /** The first few ERROR lines and error numerics seen after joining. */
  errorLines: string[];
}

/** Mutable counters of one shard. */
export class Recorder {
  readonly joinTimes = new Histogram();
  readonly latency = new Histogram();
  readonly failReasons: Record<string, number> = {};
  readonly disconnectReasons: Record<string, number> = {};
  readonly errorLines: string[] = [];
  clients = 0;
  joined = 0;
  joinFailed = 0;
  joinStartUs = NaN;
  joinEndUs = NaN;
  expected = 0;
  delivered = 0;
  outOfOrder = 0;
  duplicates = 0;
  misrouted = 0;
  foreign = 0;
  firstDeliveryUs = NaN;
  lastDeliveryUs = NaN;
  sent = 0;
  acked = 0;
  senders = 0;
  sendersDone = 0;
  disconnects = 0;
  /** Arrival time of the chunk being processed (one clock read per read, not per line). */
  nowUs = 0;
  /** Called once when `delivered` reaches `expected`. */
  onAllDelivered: (() => void) | undefined;

  /** Counts one delivery's latency. */
  delivery(sentUs: number): void {
    this.delivered++;
    this.latency.record(this.nowUs - sentUs);
    if (!(this.firstDeliveryUs <= this.nowUs)) this.firstDeliveryUs = this.nowUs;
    this.lastDeliveryUs = this.nowUs;
    if (this.delivered === this.expected) this.onAllDelivered?.();
  }

  /** Notes a failure reason (joins) or disconnect reason, bounded in distinct keys. */
  static bump(into: Record<string, number>, reason: string): void {
    const key = reason.length > 120 ? reason.slice(0, 120) + "…" : reason;
    if (key in into || Object.keys(into).length < 20) into[key] = (into[key] ?? 0) + 1;
    else into["(other)"] = (into["(other)"] ?? 0) + 1;
  }

  /** Keeps the first few error lines. */
  errorLine(line: string): void {
    if (this.errorLines.length < 5) this.errorLines.push(line);
  }

  /** The JSON form; `lost` is computed by the shard from per-sender counts. */
  counts(lost: number): ShardCounts {
    return {
      clients: this.clients,
      joined: this.joined,
      joinFailed: this.joinFailed,
      failReasons: this.failReasons,
      joinTimes: this.joinTimes.toData(),
      joinStartUs: this.joinStartUs,
      joinEndUs: this.joinEndUs,
      expected: this.expected,
      delivered: this.delivered,
      lost,
      outOfOrder: this.outOfOrder,
      duplicates: this.duplicates,
      misrouted: this.misrouted,
      foreign: this.foreign,
      latency: this.latency.toData(),
      firstDeliveryUs: this.firstDeliveryUs,
      lastDeliveryUs: this.lastDeliveryUs,
      sent: this.sent,
      acked: this.acked,
      sendersDone: this.sendersDone,
      senders: this.senders,
      disconnects: this.disconnects,
      disconnectReasons: this.disconnectReasons,
      errorLines: this.errorLines,
    };
  }
}
