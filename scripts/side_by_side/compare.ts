/**
 * The side-by-side table of `deno task bench`: per scenario the figures it is judged by, one
 * column per server and one ratio column (chat ÷ peer) per peer. A failed run (a peer that cannot
 * serve 10,000 clients, a crash) shows as a failure in its cell, never as a missing row. Pure.
 *
 * @module
 */

import { formatMs, formatRate } from "../../bench/report.ts";
import type { BenchResult } from "../../bench/result.ts";
import { median } from "../support/median.ts";
import { type Focus, type Scenario, SERVER_LABELS, type ServerName } from "./scenarios.ts";

/** One bench run of one server in one scenario, or why there is no result. */
export interface RunRecord {
  scenario: Scenario["id"];
  server: ServerName;
  result?: BenchResult;
  /** Why there is no result (server did not start, bench crashed or timed out). */
  error?: string;
}

/** A figure a scenario is judged by. */
export interface Metric {
  key: string;
  label: string;
  better: "higher" | "lower";
  /** The value, or undefined when this result cannot give it. */
  get(r: BenchResult): number | undefined;
  format(v: number): string;
}

const allJoined = (r: BenchResult) => r.join.joined === r.join.clients;
const sent = (r: BenchResult) => r.send.ran && r.send.delivered > 0;

/** The metrics by key. */
export const METRICS = {
  kib: {
    key: "kib",
    label: "KiB per connection",
    better: "lower",
    get: (r) => (allJoined(r) ? r.server?.kibPerConnection : undefined),
    format: (v) => v.toFixed(1),
  },
  join: {
    key: "join",
    label: "join time, s",
    better: "lower",
    get: (r) => (allJoined(r) ? r.join.wallSec : undefined),
    format: (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1)),
  },
  dps: {
    key: "dps",
    label: "deliveries/s",
    better: "higher",
    get: (r) => (sent(r) ? r.send.deliveriesPerSec : undefined),
    format: (v) => formatRate(v),
  },
  dpcpu: {
    key: "dpcpu",
    label: "deliveries per server CPU-s",
    better: "higher",
    get: (r) => (sent(r) ? r.server?.deliveriesPerCpuSec : undefined),
    format: (v) => formatRate(v),
  },
  p50: {
    key: "p50",
    label: "latency p50, ms",
    better: "lower",
    get: (r) => (sent(r) ? r.send.latencyMs.p50 : undefined),
    format: formatMs,
  },
  p99: {
    key: "p99",
    label: "latency p99, ms",
    better: "lower",
    get: (r) => (sent(r) ? r.send.latencyMs.p99 : undefined),
    format: formatMs,
  },
  delivered: {
    key: "delivered",
    label: "delivered",
    better: "higher",
    get: (
      r,
    ) => (r.send.ran && r.send.expected > 0 ? r.send.delivered / r.send.expected : undefined),
    format: (v) => `${(v * 100).toFixed(v === 1 ? 0 : 1)}%`,
  },
} satisfies Record<string, Metric>;

/** A metric's name: the keys a scenario's focus and the chart may use. */
export type MetricKey = keyof typeof METRICS;

/** Which metrics each kind of scenario shows. */
export const FOCUS_METRICS: Record<Focus, MetricKey[]> = {
  memory: ["kib", "join"],
  throughput: ["dps", "dpcpu", "p99"],
  latency: ["p99", "p50"],
  joins: ["join", "delivered", "kib"],
};

/** One cell: a value (median over repeats) and/or why it is a failure. */
export interface Cell {
  value?: number;
  /** Set when a run failed or lost, reordered or dropped something. */
  failure?: string;
}

/** Short reason a run failed, for a table cell. */
export function failureOf(rec: RunRecord): string | undefined {
  if (!rec.result) return rec.error ?? "no result";
  const r = rec.result;
  if (r.join.joined < r.join.clients) {
    return `${r.join.joined.toLocaleString("en-US")}/${
      r.join.clients.toLocaleString("en-US")
    } joined`;
  }
  const s = r.send;
  if (!s.ran) return undefined;
  const parts: string[] = [];
  if (s.lost > 0) parts.push(`${s.lost.toLocaleString("en-US")} lost`);
  if (s.outOfOrder > 0) parts.push(`${s.outOfOrder.toLocaleString("en-US")} out of order`);
  if (s.disconnects > 0) parts.push(`${s.disconnects.toLocaleString("en-US")} disconnected`);
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/** The cell of a metric over the repeats of one server in one scenario. */
export function cellOf(metric: Metric, runs: RunRecord[]): Cell {
  if (runs.length === 0) return {}; // a pair the run skips (the relay has no join storm): n/a
  const values: number[] = [];
  let failure: string | undefined;
  for (const rec of runs) {
    failure ??= failureOf(rec);
    const v = rec.result ? metric.get(rec.result) : undefined;
    if (v !== undefined && Number.isFinite(v)) values.push(v);
  }
  return { value: median(values), failure };
}

/** chat ÷ peer, when both have a value. */
export function ratio(chat: Cell, peer: Cell): number | undefined {
  if (chat.value === undefined || peer.value === undefined || peer.value === 0) return undefined;
  return chat.value / peer.value;
}

/** A rendered table: a header row and rows of cells, as text. */
export interface Table {
  header: string[];
  rows: string[][];
}

function cellText(m: Metric, c: Cell): string {
  if (c.value === undefined) return c.failure ? `✗ ${c.failure}` : "n/a";
  return m.format(c.value) + (c.failure ? ` ✗ (${c.failure})` : "");
}

/** The ratio table over every scenario run, servers in the given order. */
export function ratioTable(
  scenarios: Scenario[],
  servers: ServerName[],
  records: RunRecord[],
): Table {
  const peers = servers.filter((s) => s !== "chat");
  const withChat = servers.includes("chat");
  const header = [
    "scenario",
    "metric",
    ...servers.map((s) => SERVER_LABELS[s]),
    ...(withChat ? peers.map((p) => `chat ÷ ${SERVER_LABELS[p]}`) : []),
  ];
  const rows: string[][] = [];
  for (const sc of scenarios) {
    for (const key of FOCUS_METRICS[sc.focus]) {
      const m = METRICS[key];
      const cells = new Map(
        servers.map((s) => [
          s,
          cellOf(m, records.filter((r) => r.scenario === sc.id && r.server === s)),
        ]),
      );
      const row = [
        sc.id,
        `${m.label} (${m.better === "higher" ? "↑" : "↓"} better)`,
        ...servers.map((s) => cellText(m, cells.get(s)!)),
      ];
      if (withChat) {
        for (const p of peers) {
          const q = ratio(cells.get("chat")!, cells.get(p)!);
          row.push(q === undefined ? "–" : `${q.toFixed(2)}`);
        }
      }
      rows.push(row);
    }
  }
  return { header, rows };
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|");
}

/** The table as GitHub Markdown, columns padded so it also reads well in a terminal. */
export function markdownTable(t: Table): string {
  const all = [t.header, ...t.rows].map((r) => r.map(escapeCell));
  const widths = t.header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? "")].length)));
  const line = (r: string[]) =>
    `| ${r.map((c, i) => c + " ".repeat((widths[i] ?? 0) - [...c].length)).join(" | ")} |`;
  const rule = `| ${
    widths.map((w, i) => (i < 2 ? "-".repeat(w) : "-".repeat(w - 1) + ":")).join(" | ")
  } |`;
  const [header, ...rows] = all;
  return [line(header ?? []), rule, ...rows.map(line)].join("\n");
}
