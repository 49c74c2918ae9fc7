/**
 * The human-readable report of one bench run (the `--json` form is the `BenchResult` itself).
 *
 * @module
 */

import type { Summary } from "./histogram.ts";
import { describeLoad } from "./options.ts";
import type { BenchResult, GeneratorPhase } from "./result.ts";

const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** A rate like `2.34 M/s`, `512 k/s`, `950/s`. */
export function formatRate(perSec: number): string {
  if (!isFinite(perSec)) return "–";
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M`;
  if (perSec >= 1e4) return `${(perSec / 1e3).toFixed(0)} k`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k`;
  return perSec.toFixed(0);
}

/** Milliseconds with sensible precision (`0.412`, `12.3`, `1,204`). */
export function formatMs(v: number): string {
  if (!isFinite(v)) return "–";
  if (v < 1) return v.toFixed(3);
  if (v < 100) return v.toFixed(1);
  return int(v);
}

function latencyLine(s: Summary): string {
  if (s.count === 0) return "–";
  return `p50 ${formatMs(s.p50)}  p90 ${formatMs(s.p90)}  p99 ${formatMs(s.p99)}  max ${
    formatMs(s.max)
  } ms`;
}

function mib(kib: number | undefined): string {
  return kib === undefined ? "?" : (kib / 1024).toFixed(1);
}

function generatorLine(g: GeneratorPhase): string {
  if (g.wallSec < 0.2 || g.processes.length === 0) {
    return g.processes.length === 0
      ? "–"
      : `${g.cpuSec.toFixed(2)} CPU-s (phase too short to judge)`;
  }
  const busiest = Math.max(...g.processes.map((p) => p.busiestThreadShare));
  return `${g.cpuSec.toFixed(2)} CPU-s in ${g.wallSec.toFixed(2)} s over ${g.processes.length} ` +
    `process${g.processes.length === 1 ? "" : "es"}; busiest thread ${
      (busiest * 100).toFixed(0)
    }% of a core` + (g.saturated ? " — SATURATED" : "");
}

/** The report table: one labelled row per measured aspect. */
export function formatReport(r: BenchResult): string {
  const o = r.options;
  const rows: [string, string][] = [];
  rows.push(["target", `${r.target} — ${describeLoad(o)}`]);
  rows.push([
    "shards",
    o.procs === 1
      ? "1 (in process)"
      : `${o.procs} ${o.shardKind === "thread" ? "threads" : "processes"}`,
  ]);
  const j = r.join;
  rows.push([
    "join",
    `${int(j.joined)}/${int(j.clients)} joined in ${j.wallSec.toFixed(2)} s` +
    (j.failed > 0 ? `, ${int(j.failed)} failed` : ""),
  ]);
  for (const [reason, count] of Object.entries(j.failReasons).slice(0, 3)) {
    rows.push(["", `${int(count)} × ${reason}`]);
  }
  rows.push(["connect+join", latencyLine(j.connectJoinMs)]);
  rows.push(["generator (join)", generatorLine(j.generator)]);
  const s = r.send;
  if (s.ran) {
    rows.push([
      "deliveries",
      `${int(s.delivered)}/${int(s.expected)} in ${s.wallSec.toFixed(2)} s: ${
        formatRate(s.deliveriesPerSec)
      }/s`,
    ]);
    rows.push(["latency", latencyLine(s.latencyMs)]);
    rows.push([
      "order",
      `${int(s.lost)} lost, ${int(s.outOfOrder)} out of order, ${int(s.duplicates)} duplicates` +
      (s.disconnects > 0 ? `, ${int(s.disconnects)} disconnected` : "") +
      (s.timedOut ? " (timed out)" : ""),
    ]);
    for (const line of s.errorLines.slice(0, 3)) rows.push(["", `server said: ${line}`]);
    rows.push(["generator (send)", generatorLine(s.generator)]);
  } else if (o.messages > 0) {
    rows.push(["deliveries", "send phase not run"]);
  }
  const v = r.server;
  if (v) {
    rows.push([
      "server RSS",
      `${mib(v.rssBeforeKiB)} → ${mib(v.rssJoinedKiB)} (joined) → ${mib(v.rssEndKiB)} MiB (end)` +
      (v.kibPerConnection !== undefined
        ? `: ${v.kibPerConnection.toFixed(1)} KiB per connection`
        : ""),
    ]);
    const cpu = [
      v.cpuJoinSec !== undefined ? `${v.cpuJoinSec.toFixed(2)} s joining` : "",
      v.cpuSendSec !== undefined ? `${v.cpuSendSec.toFixed(2)} s sending` : "",
    ].filter(Boolean).join(", ");
    rows.push([
      "server CPU",
      (cpu || "?") +
      (v.deliveriesPerCpuSec !== undefined
        ? `: ${formatRate(v.deliveriesPerCpuSec)} deliveries per CPU-second`
        : ""),
    ]);
  }
  if (r.otherCpuSec !== undefined && s.generator.wallSec > 0) {
    rows.push([
      "other CPU",
      `${r.otherCpuSec.toFixed(2)} CPU-s while sending (${
        ((100 * r.otherCpuSec) / s.generator.wallSec).toFixed(0)
      }% of a core): other processes and kernel network work`,
    ]);
  }
  if (r.machineSaturated) {
    rows.push(["note", `server + generator used ≥ 90% of all ${r.cores} cores while sending`]);
  }
  if (s.generator.saturated || j.generator.saturated) {
    rows.push([
      "note",
      "the generator was saturated: figures may be its limit; try --procs 2 or more",
    ]);
  }
  for (const w of r.warnings) rows.push(["warning", w]);
  rows.push([
    "outcome",
    r.outcome === "ok" ? "ok" : `FAILED: ${r.problems.join("; ")}`,
  ]);
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, val]) => `${k.padEnd(w)}  ${val}`).join("\n");
}
