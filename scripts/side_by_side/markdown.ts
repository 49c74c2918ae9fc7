/**
 * Renders BENCHMARKS.md from one `deno task bench` run: the machine, the ratio table, the chart,
 * every run's details and how the scenarios were set up. A hand-written block between
 * `<!-- notes -->` and `<!-- /notes -->` in the previous file is carried over. Pure.
 *
 * @module
 */

import { failureOf, markdownTable, type RunRecord, type Table } from "./compare.ts";
import type { Machine } from "./machine.ts";
import { formatMs, formatRate } from "../../bench/report.ts";
import { type Scenario, SERVER_LABELS, type ServerName } from "./scenarios.ts";

/** Everything BENCHMARKS.md is made from. */
export interface BenchmarksDoc {
  date: string;
  command: string;
  machine: Machine;
  scenarios: Scenario[];
  servers: ServerName[];
  table: Table;
  records: RunRecord[];
  /** File name of the chart, relative to BENCHMARKS.md. */
  chartFile: string;
  /** How the generator and servers were set up (one line each). */
  settings: string[];
  /** Automatic observations (saturation, background load, failures). */
  notes: string[];
  /** The hand-written notes block of the previous file, if any. */
  keptNotes?: string;
}

const NOTES_OPEN = "<!-- notes -->", NOTES_CLOSE = "<!-- /notes -->";

/** The hand-written notes block of an existing BENCHMARKS.md (markers included), if any. */
export function keptNotes(previous: string): string | undefined {
  const a = previous.indexOf(NOTES_OPEN), b = previous.indexOf(NOTES_CLOSE);
  return a !== -1 && b > a ? previous.slice(a, b + NOTES_CLOSE.length) : undefined;
}

function pct(v: number | undefined): string {
  return v === undefined || !isFinite(v) ? "–" : `${(v * 100).toFixed(0)}%`;
}

/** One row per run with the raw figures behind the ratio table. */
export function detailsTable(records: RunRecord[]): Table {
  const header = [
    "scen.",
    "server",
    "joined",
    "join s",
    "delivered",
    "lost / order",
    "deliv./s",
    "p50 ms",
    "p99 ms",
    "server CPU-s",
    "deliv./CPU-s",
    "KiB/conn",
    "gen. busiest thread",
    "other CPU",
  ];
  const rows = records.map((rec) => {
    const r = rec.result;
    const who = [rec.scenario, SERVER_LABELS[rec.server]];
    if (!r) return [...who, `✗ ${rec.error ?? "no result"}`, ...Array(header.length - 3).fill("")];
    const s = r.send, v = r.server;
    const gen = s.ran ? s.generator : r.join.generator;
    const busiest = Math.max(0, ...gen.processes.map((p) => p.busiestThreadShare));
    return [
      ...who,
      `${r.join.joined.toLocaleString("en-US")}/${r.join.clients.toLocaleString("en-US")}`,
      r.join.wallSec.toFixed(2),
      s.ran ? `${s.delivered.toLocaleString("en-US")}/${s.expected.toLocaleString("en-US")}` : "–",
      s.ran ? `${s.lost} / ${s.outOfOrder}` : "–",
      s.ran ? formatRate(s.deliveriesPerSec) : "–",
      s.ran ? formatMs(s.latencyMs.p50) : "–",
      s.ran ? formatMs(s.latencyMs.p99) : "–",
      v?.cpuSendSec !== undefined ? v.cpuSendSec.toFixed(2) : "–",
      v?.deliveriesPerCpuSec !== undefined ? formatRate(v.deliveriesPerCpuSec) : "–",
      v?.kibPerConnection !== undefined ? v.kibPerConnection.toFixed(1) : "–",
      pct(busiest) + (gen.saturated ? " (saturated)" : ""),
      s.ran && r.otherCpuSec !== undefined && s.generator.wallSec > 0
        ? pct(r.otherCpuSec / s.generator.wallSec)
        : "–",
    ];
  });
  return { header, rows };
}

/** Lists each failed run with its reasons. */
export function failureNotes(records: RunRecord[]): string[] {
  const out: string[] = [];
  for (const rec of records) {
    const why = failureOf(rec);
    if (!why) continue;
    const extra = rec.result?.problems.join("; ");
    const reasons = rec.result
      ? Object.entries({ ...rec.result.join.failReasons, ...rec.result.send.disconnectReasons })
        .slice(0, 3).map(([k, n]) => `${n} × ${k}`).join("; ")
      : "";
    out.push(
      `${rec.scenario} / ${SERVER_LABELS[rec.server]}: ${extra || why}` +
        (reasons ? ` (${reasons})` : ""),
    );
  }
  return out;
}

/** The whole document. */
export function renderBenchmarks(d: BenchmarksDoc): string {
  const m = d.machine;
  const peers = Object.values(m.peers);
  const lines: string[] = [
    "# Benchmarks",
    "",
    `Latest run: ${d.date}, \`${d.command}\`. This file and \`${d.chartFile}\` are written by`,
    "`deno task bench` (`scripts/side_by_side/run_all.ts`); `chat bench --help` describes the",
    "load generator.",
    "",
    "## Machine",
    "",
    "| | |",
    "| --- | --- |",
    `| CPU | ${m.cpuModel}, ${m.cores} cores |`,
    `| RAM | ${m.memGiB.toFixed(1)} GiB |`,
    `| Kernel | ${m.kernel} |`,
    `| Deno | ${m.deno} (V8 ${m.v8}) |`,
    `| Peers | ${peers.length > 0 ? peers.join(", ") : "none installed"} |`,
    `| Load average before the run | ${m.loadBefore ?? "?"} |`,
    `| Open files limit | ${m.fdLimit ?? "?"} |`,
    "",
    "## Results",
    "",
    "Ratios are chat ÷ peer: above 1 is better for chat where higher is better (↑), below 1 where",
    "lower is better (↓). A ✗ marks a run that failed, lost, reordered or dropped something.",
    "",
    markdownTable(d.table),
    "",
    `![deliveries/s, deliveries per server CPU-second and p99 latency per server and scenario](${d.chartFile})`,
    "",
  ];
  if (d.notes.length > 0) {
    lines.push("### Observations of this run", "", ...d.notes.map((n) => `- ${n}`), "");
  }
  if (d.keptNotes) lines.push(d.keptNotes, "");
  lines.push(
    "## Every run",
    "",
    "_gen. busiest thread_: the load generator's busiest thread as a share of one core during the",
    "send phase (join phase for A); at ≥ 90% the generator, not the server, may be the limit.",
    "_other CPU_: CPU the machine spent during the send phase beyond the server and the generator",
    "(other processes, and kernel network work not charged to either).",
    "",
    markdownTable(detailsTable(d.records)),
    "",
    "## Scenarios",
    "",
    ...d.scenarios.map((s) => `- **${s.id}**: ${s.title}.`),
    "",
    "## Setup",
    "",
    ...d.settings.map((s) => `- ${s}`),
    "",
  );
  return lines.join("\n");
}
