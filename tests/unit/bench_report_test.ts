import assert from "node:assert/strict";
import { renderChart } from "../../scripts/side_by_side/chart.ts";
import {
  cellOf,
  markdownTable,
  METRICS,
  ratio,
  ratioTable,
  type RunRecord,
} from "../../scripts/side_by_side/compare.ts";
import { Histogram } from "../../bench/histogram.ts";
import { parseCpuModel, parseLoad, parseMemGiB } from "../../scripts/side_by_side/machine.ts";
import { keptNotes, renderBenchmarks } from "../../scripts/side_by_side/markdown.ts";
import { DEFAULT_OPTIONS } from "../../bench/options.ts";
import type { ShardCounts } from "../../bench/recorder.ts";
import { formatReport } from "../../bench/report.ts";
import { type BenchResult, buildResult, generatorPhase } from "../../bench/result.ts";
import { SCENARIOS } from "../../scripts/side_by_side/scenarios.ts";
import { median } from "../../scripts/support/median.ts";

function counts(o: Partial<ShardCounts> = {}): ShardCounts {
  const lat = new Histogram(), join = new Histogram();
  for (let i = 1; i <= 100; i++) lat.record(i * 100), join.record(i * 1000);
  return {
    clients: 100,
    joined: 100,
    joinFailed: 0,
    failReasons: {},
    joinTimes: join.toData(),
    joinStartUs: 0,
    joinEndUs: 500_000,
    expected: 1000,
    delivered: 1000,
    lost: 0,
    outOfOrder: 0,
    duplicates: 0,
    misrouted: 0,
    foreign: 0,
    latency: lat.toData(),
    firstDeliveryUs: 1_000_000,
    lastDeliveryUs: 1_500_000,
    sent: 10,
    acked: 10,
    sendersDone: 1,
    senders: 1,
    disconnects: 0,
    disconnectReasons: {},
    errorLines: [],
    ...o,
  };
}

/** A result as two shards of a run would produce it; `tweak` changes the first shard. */
function result(
  tweak: Partial<ShardCounts> = {},
  cpuSendSec = 0.5,
  rssJoined = 20_000,
): BenchResult {
  return buildResult({
    options: { ...DEFAULT_OPTIONS, clients: 200, senders: 2, messages: 10 },
    warnings: [],
    startedAt: "2026-01-01T00:00:00Z",
    goUs: 1_000_000,
    sendRan: true,
    timedOut: false,
    joinGenerator: generatorPhase(0.5, [{
      pid: "self",
      use: { seconds: 0.1, busiestThreadSeconds: 0.1 },
    }]),
    sendGenerator: generatorPhase(0.5, [{
      pid: 7,
      use: { seconds: 0.48, busiestThreadSeconds: 0.47 },
    }]),
    server: {
      pid: 1,
      rssBeforeKiB: 10_000,
      rssJoinedKiB: rssJoined,
      rssEndKiB: 30_000,
      cpuJoinSec: 0.1,
      cpuSendSec,
    },
    machineBusySec: 1,
    cores: 2,
  }, [counts(tweak), counts()]);
}

Deno.test("bench result: shards merge into totals, rates and per-connection memory", () => {
  const r = result();
  assert.equal(r.outcome, "ok");
  assert.equal(r.send.delivered, 2000);
  assert.equal(r.send.deliveriesPerSec, 4000); // 2,000 in 0.5 s
  assert.equal(r.server?.deliveriesPerCpuSec, 4000); // 2,000 per 0.5 CPU-s
  assert.equal(r.server?.kibPerConnection, 50); // 10,000 KiB over 200 clients
  assert.equal(r.send.latencyMs.max, 10);
  assert.ok(Math.abs(r.send.latencyMs.p50 - 5) < 0.1);
  assert.ok(r.send.generator.saturated, "a thread at 94% of a core is saturated");
  assert.ok(Math.abs(r.otherCpuSec! - 0.02) < 1e-9);
});

Deno.test("bench result: loss, disorder and failed joins fail the run, with reasons", () => {
  const r = result({ delivered: 990, lost: 10, outOfOrder: 3, joined: 99, joinFailed: 1 });
  assert.equal(r.outcome, "failed");
  assert.deepEqual(r.problems, [
    "1 of 200 clients not joined",
    "10 deliveries lost",
    "3 deliveries out of order",
  ]);
});

Deno.test("bench report: the table shows each aspect and the saturation note", () => {
  const text = formatReport(result());
  for (
    const want of [
      /^target\s+127\.0\.0\.1:6667 — 200 clients in 1 channel, 2 senders × 10 messages/m,
      /^join\s+200\/200 joined in 0\.50 s$/m,
      /^deliveries\s+2,000\/2,000 in 0\.50 s: 4\.0 k\/s$/m,
      /^latency\s+p50 5\.\d+\s+p90 9\.\d+\s+p99 9\.\d+\s+max 10\.0 ms$/m,
      /^order\s+0 lost, 0 out of order, 0 duplicates$/m,
      /^server RSS\s+9\.8 → 19\.5 \(joined\) → 29\.3 MiB \(end\): 50\.0 KiB per connection$/m,
      /^server CPU\s+0\.10 s joining, 0\.50 s sending: 4\.0 k deliveries per CPU-second$/m,
      /SATURATED/,
      /^note\s+the generator was saturated/m,
      /^outcome\s+ok$/m,
    ]
  ) assert.match(text, want);
});

const rec = (scenario: RunRecord["scenario"], server: RunRecord["server"], r?: BenchResult) =>
  r ? { scenario, server, result: r } : { scenario, server, error: "server did not start" };

Deno.test("bench compare: ratios are chat ÷ peer; failures show in their cells", () => {
  const records: RunRecord[] = [
    rec("B", "chat", result({}, 0.25)),
    rec("B", "inspircd", result({}, 0.5)),
    rec("B", "ngircd"),
    rec("E", "chat", result({}, 0.5, 16_000)),
    rec("E", "inspircd", result({ joined: 50, joinFailed: 50 })),
    rec("E", "ngircd", result({ delivered: 900, lost: 100 })),
  ];
  const scen = SCENARIOS.filter((s) => s.id === "B" || s.id === "E");
  const t = ratioTable(scen, ["chat", "ngircd", "inspircd"], records);
  assert.deepEqual(t.header, [
    "scenario",
    "metric",
    "chat",
    "ngIRCd",
    "InspIRCd",
    "chat ÷ ngIRCd",
    "chat ÷ InspIRCd",
  ]);
  const row = (s: string, label: RegExp) => t.rows.find((r) => r[0] === s && label.test(r[1]!))!;
  assert.deepEqual(row("B", /per server CPU/).slice(2), [
    "8.0 k",
    "✗ server did not start",
    "4.0 k",
    "–",
    "2.00",
  ]);
  assert.equal(row("E", /join time/)[4], "✗ 150/200 joined");
  assert.match(row("E", /delivered/)[3]!, /^95\.0% ✗ \(100 lost\)$/);
  assert.equal(row("E", /KiB/)[2], "30.0");
  const md = markdownTable(t);
  assert.equal(md.split("\n").length, t.rows.length + 2);
  assert.match(md.split("\n")[1]!, /^\| -+ \| -+ \| -+: \|/);
});

Deno.test("bench compare: medians over repeats, ratios only when both sides have a value", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), undefined);
  const c = cellOf(METRICS.dps, [rec("B", "chat", result()), rec("B", "chat", result())]);
  assert.equal(c.value, 4000);
  assert.equal(ratio({ value: 2 }, { value: 4 }), 0.5);
  assert.equal(ratio({ value: 2 }, { failure: "x" }), undefined);
});

Deno.test("bench chart: one labelled bar per server, scenario and metric; ✗ for a failed run", () => {
  const records: RunRecord[] = [
    rec("B", "chat", result()),
    rec("B", "inspircd", result({}, 1)),
    rec("B", "ngircd"),
  ];
  const svg = renderChart(SCENARIOS.filter((s) => "AB".includes(s.id)), [
    "chat",
    "ngircd",
    "inspircd",
  ], records);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  const bars = [...svg.matchAll(/<rect class="bar" ([^>]*)>/g)].map((m) => m[1]!);
  assert.equal(bars.length, 6); // dps, dpcpu and p99 for chat and InspIRCd in B; A sends nothing
  assert.ok(
    bars.some((b) =>
      /data-metric="dps" data-scenario="B" data-server="chat" data-value="4000"/.test(b)
    ),
  );
  assert.equal(
    [...svg.matchAll(/class="failed" data-metric="\w+" data-scenario="B" data-server="ngircd"/g)]
      .length,
    3,
  );
  assert.ok(!svg.includes('data-scenario="A"'));
});

Deno.test("bench markdown: machine, table, chart link and kept notes", () => {
  const records = [rec("B", "chat", result())];
  const scen = SCENARIOS.filter((s) => s.id === "B");
  const doc = renderBenchmarks({
    date: "2026-01-01T00:00:00Z",
    command: "deno task bench",
    machine: {
      cores: 2,
      cpuModel: "AMD EPYC",
      memGiB: 23.5,
      kernel: "linux 6.1",
      deno: "2.9.6",
      v8: "15",
      peers: { ngircd: "ngIRCd 26.1" },
      loadBefore: 0.1,
      fdLimit: 20000,
    },
    scenarios: scen,
    servers: ["chat"],
    table: ratioTable(scen, ["chat"], records),
    records,
    chartFile: "BENCHMARKS.svg",
    settings: ["window 32"],
    notes: ["machine shared"],
    keptNotes: "<!-- notes -->\nhand-written\n<!-- /notes -->",
  });
  assert.match(doc, /^# Benchmarks$/m);
  assert.match(doc, /\| CPU \| AMD EPYC, 2 cores \|/);
  assert.match(doc, /\| Peers \| ngIRCd 26\.1 \|/);
  assert.match(doc, /\| B +\| deliveries\/s \(↑ better\) +\| 4\.0 k +\|/);
  assert.match(doc, /!\[[^\]]+\]\(BENCHMARKS\.svg\)/);
  assert.match(doc, /^- machine shared$/m);
  assert.equal(keptNotes(doc), "<!-- notes -->\nhand-written\n<!-- /notes -->");
  assert.equal(keptNotes("no notes"), undefined);
});

Deno.test("bench machine: CPU model, memory and load parse from /proc text", () => {
  assert.equal(parseCpuModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\n"), "AMD EPYC 7B13");
  assert.equal(parseMemGiB("MemTotal:       24641536 kB\n"), 23.5);
  assert.equal(parseLoad("0.52 0.40 0.33 1/234 5678\n"), 0.52);
});
