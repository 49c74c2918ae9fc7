/**
 * The result of one bench run (what `--json` prints) and the pure arithmetic that builds it from
 * the shards' counts and the /proc samples.
 *
 * @module
 */

import { Histogram, type Summary } from "./histogram.ts";
import type { BenchOptions } from "./options.ts";
import type { CpuUse } from "./procfs.ts";
import type { ShardCounts } from "./recorder.ts";

/** A busiest-thread share of one core at or above this marks a saturated generator. */
export const SATURATED_SHARE = 0.9;

/** CPU use of one generator process over a phase. */
export interface GeneratorCpu {
  pid: number | "self";
  cpuSec: number;
  /** CPU seconds of its busiest thread ÷ phase wall time: 1.0 is one core fully used. */
  busiestThreadShare: number;
}

/** The generator's own CPU use over a phase. */
export interface GeneratorPhase {
  wallSec: number;
  cpuSec: number;
  processes: GeneratorCpu[];
  /** Some generator thread was at ≥ 90% of a core: the figures may be the generator's limit. */
  saturated: boolean;
}

/** Samples of the server process (only with `--server-pid`). */
export interface ServerSamples {
  pid: number;
  rssBeforeKiB: number | undefined;
  rssJoinedKiB: number | undefined;
  rssEndKiB: number | undefined;
  cpuJoinSec: number | undefined;
  cpuSendSec: number | undefined;
}

/** Everything one `chat bench` run measured. */
export interface BenchResult {
  tool: "chat bench";
  startedAt: string;
  target: string;
  options: BenchOptions;
  /** "ok": everyone joined and every message arrived in order. */
  outcome: "ok" | "failed";
  /** Why the outcome is "failed", one line each. */
  problems: string[];
  /** What could not be measured, one line each. */
  warnings: string[];
  join: {
    clients: number;
    joined: number;
    failed: number;
    failReasons: Record<string, number>;
    /** From the first connect to the last end of NAMES. */
    wallSec: number;
    /** Per client: connect started → end of NAMES (366). */
    connectJoinMs: Summary;
    generator: GeneratorPhase;
  };
  send: {
    ran: boolean;
    expected: number;
    delivered: number;
    lost: number;
    outOfOrder: number;
    duplicates: number;
    misrouted: number;
    /** Bench messages of other runs seen (e.g. replayed history); not counted. */
    foreign: number;
    disconnects: number;
    disconnectReasons: Record<string, number>;
    errorLines: string[];
    sent: number;
    /** From "go" to the last delivery. */
    wallSec: number;
    deliveriesPerSec: number;
    latencyMs: Summary;
    /** The phase ended at the duration limit or after --drain-timeout without progress. */
    timedOut: boolean;
    generator: GeneratorPhase;
  };
  server?: ServerSamples & {
    /** (RSS after join − RSS before) ÷ joined clients. */
    kibPerConnection: number | undefined;
    deliveriesPerCpuSec: number | undefined;
  };
  /** The server and the generator together used ≥ 90% of all cores during the send phase. */
  machineSaturated: boolean;
  /**
   * CPU-seconds the machine was busy during the send phase beyond what the server and the
   * generator used: other processes, plus kernel network work not charged to either.
   */
  otherCpuSec: number | undefined;
  cores: number;
}

/** CPU use per generator process and whether any was saturated. */
export function generatorPhase(
  wallSec: number,
  uses: { pid: number | "self"; use: CpuUse }[],
): GeneratorPhase {
  const processes = uses.map(({ pid, use }) => ({
    pid,
    cpuSec: use.seconds,
    busiestThreadShare: wallSec > 0 ? use.busiestThreadSeconds / wallSec : 0,
  }));
  return {
    wallSec,
    cpuSec: processes.reduce((a, p) => a + p.cpuSec, 0),
    processes,
    saturated: wallSec >= 0.2 && processes.some((p) => p.busiestThreadShare >= SATURATED_SHARE),
  };
}

const finite = (v: number | null | undefined): v is number => typeof v === "number" && isFinite(v);
const ms = (s: Summary): Summary => ({
  count: s.count,
  min: s.min / 1000,
  mean: s.mean / 1000,
  p50: s.p50 / 1000,
  p90: s.p90 / 1000,
  p99: s.p99 / 1000,
  max: s.max / 1000,
});

function addInto(into: Record<string, number>, from: Record<string, number>): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/** The inputs of `buildResult` besides the shards' counts. */
export interface RunFacts {
  options: BenchOptions;
  warnings: string[];
  startedAt: string;
  /** µs since epoch when "go" was sent (NaN if the send phase did not run). */
  goUs: number;
  sendRan: boolean;
  timedOut: boolean;
  joinGenerator: GeneratorPhase;
  sendGenerator: GeneratorPhase;
  server: ServerSamples | undefined;
  /** CPU-seconds the whole machine was busy during the send phase. */
  machineBusySec?: number;
  cores: number;
}

/** Merges the shards' counts into one result and judges it. */
export function buildResult(facts: RunFacts, shards: ShardCounts[]): BenchResult {
  const o = facts.options;
  const joinTimes = new Histogram(), latency = new Histogram();
  const failReasons: Record<string, number> = {}, disconnectReasons: Record<string, number> = {};
  const errorLines: string[] = [];
  let joined = 0, failed = 0, expected = 0, delivered = 0, lost = 0, outOfOrder = 0;
  let duplicates = 0, misrouted = 0, foreign = 0, disconnects = 0, sent = 0;
  let joinStart = Infinity, joinEnd = -Infinity, lastDelivery = -Infinity;
  for (const s of shards) {
    joinTimes.merge(s.joinTimes);
    latency.merge(s.latency);
    addInto(failReasons, s.failReasons);
    addInto(disconnectReasons, s.disconnectReasons);
    errorLines.push(...s.errorLines.slice(0, Math.max(0, 5 - errorLines.length)));
    joined += s.joined;
    failed += s.joinFailed;
    expected += s.expected;
    delivered += s.delivered;
    lost += s.lost;
    outOfOrder += s.outOfOrder;
    duplicates += s.duplicates;
    misrouted += s.misrouted;
    foreign += s.foreign ?? 0;
    disconnects += s.disconnects;
    sent += s.sent;
    if (finite(s.joinStartUs)) joinStart = Math.min(joinStart, s.joinStartUs);
    if (finite(s.joinEndUs)) joinEnd = Math.max(joinEnd, s.joinEndUs);
    if (finite(s.lastDeliveryUs)) lastDelivery = Math.max(lastDelivery, s.lastDeliveryUs);
  }
  const sendWallSec = facts.sendRan && finite(lastDelivery) && finite(facts.goUs)
    ? Math.max(0, lastDelivery - facts.goUs) / 1e6
    : 0;
  const problems: string[] = [];
  if (joined < o.clients) problems.push(`${o.clients - joined} of ${o.clients} clients not joined`);
  if (o.messages > 0 && o.senders > 0) {
    if (!facts.sendRan) problems.push("send phase skipped (not everyone joined)");
    else {
      if (lost > 0) problems.push(`${lost} deliveries lost`);
      if (outOfOrder > 0) problems.push(`${outOfOrder} deliveries out of order`);
      if (duplicates > 0) problems.push(`${duplicates} duplicate deliveries`);
      if (misrouted > 0) problems.push(`${misrouted} deliveries to the wrong channel`);
      if (disconnects > 0) problems.push(`${disconnects} clients disconnected`);
      if (facts.timedOut && lost === 0) problems.push("send phase timed out");
    }
  }
  const srv = facts.server;
  let server: BenchResult["server"];
  if (srv) {
    const kib = finite(srv.rssJoinedKiB) && finite(srv.rssBeforeKiB) && joined > 0
      ? (srv.rssJoinedKiB - srv.rssBeforeKiB) / joined
      : undefined;
    const perCpu = facts.sendRan && finite(srv.cpuSendSec) && srv.cpuSendSec > 0
      ? delivered / srv.cpuSendSec
      : undefined;
    server = { ...srv, kibPerConnection: kib, deliveriesPerCpuSec: perCpu };
  }
  const sendCpu = facts.sendGenerator.cpuSec + (srv?.cpuSendSec ?? 0);
  return {
    tool: "chat bench",
    startedAt: facts.startedAt,
    target: `${o.host}:${o.port}`,
    options: o,
    outcome: problems.length === 0 ? "ok" : "failed",
    problems,
    warnings: facts.warnings,
    join: {
      clients: o.clients,
      joined,
      failed,
      failReasons,
      wallSec: finite(joinStart) && finite(joinEnd) ? (joinEnd - joinStart) / 1e6 : 0,
      connectJoinMs: ms(joinTimes.summary()),
      generator: facts.joinGenerator,
    },
    send: {
      ran: facts.sendRan,
      expected,
      delivered,
      lost,
      outOfOrder,
      duplicates,
      misrouted,
      foreign,
      disconnects,
      disconnectReasons,
      errorLines,
      sent,
      wallSec: sendWallSec,
      deliveriesPerSec: sendWallSec > 0 ? delivered / sendWallSec : 0,
      latencyMs: ms(latency.summary()),
      timedOut: facts.timedOut,
      generator: facts.sendGenerator,
    },
    server,
    machineSaturated: facts.sendGenerator.wallSec >= 0.2 &&
      sendCpu >= SATURATED_SHARE * facts.cores * facts.sendGenerator.wallSec,
    otherCpuSec: finite(facts.machineBusySec) && srv?.cpuSendSec !== undefined
      ? Math.max(0, facts.machineBusySec - sendCpu)
      : undefined,
    cores: facts.cores,
  };
}
