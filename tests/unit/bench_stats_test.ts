import assert from "node:assert/strict";
import { bucketOf, bucketRange, exactPercentile, Histogram } from "../../bench/histogram.ts";
import { Pacer } from "../../bench/pacer.ts";
import {
  cpuBetween,
  parseCpuSeconds,
  parseMachineBusySeconds,
  parseRssKiB,
} from "../../bench/procfs.ts";
import { expectedFor, expectedTotal, sendersIn, shardClients } from "../../bench/topology.ts";

Deno.test("bench histogram: every value lies in its bucket's range", () => {
  for (const v of [0, 1, 127, 128, 129, 255, 256, 1000, 65_535, 1e6, 2 ** 31 - 1]) {
    const [lo, hi] = bucketRange(bucketOf(v));
    assert.ok(lo <= v && v <= hi, `${v} in [${lo}, ${hi}]`);
    assert.ok(hi - lo <= Math.max(0, lo / 64), `bucket of ${v} is narrow`);
  }
});

Deno.test("bench histogram: percentiles match exact ones within 1.6%", () => {
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const values = Array.from({ length: 20_000 }, () => Math.floor(50 + rand() ** 3 * 200_000));
  const h = new Histogram();
  for (const v of values) h.record(v);
  for (const p of [50, 90, 99, 99.9]) {
    const exact = exactPercentile(values, p);
    assert.ok(Math.abs(h.percentile(p) - exact) <= exact * 0.016, `p${p}`);
  }
  assert.equal(h.percentile(100), Math.max(...values));
  assert.equal(h.summary().count, values.length);
});

Deno.test("bench histogram: merging shards equals recording everything in one", () => {
  const a = new Histogram(), b = new Histogram(), all = new Histogram();
  for (let v = 0; v < 5000; v += 7) (v % 2 ? a : b).record(v), all.record(v);
  const merged = Histogram.from(a.toData());
  merged.merge(JSON.parse(JSON.stringify(b.toData())));
  assert.deepEqual(merged.summary(), all.summary());
  assert.ok(Number.isNaN(new Histogram().percentile(50)));
});

Deno.test("bench pacer: the window holds a fast sender until acknowledgements arrive", () => {
  const p = new Pacer(100, 8, 0, 0);
  assert.equal(p.pingEvery, 4);
  assert.equal(p.allowance(0), 8);
  p.sent = 8;
  assert.equal(p.allowance(0), 0);
  assert.ok(p.windowFull());
  p.ack(4);
  assert.equal(p.allowance(0), 4);
  p.ack(3); // late, older PONG: ignored
  p.ack(99); // more than was sent: ignored
  assert.equal(p.acked, 4);
});

Deno.test("bench pacer: a rate spaces messages and never exceeds the total", () => {
  const p = new Pacer(10, 100, 20, 1000); // 20 msg/s → one per 50 ms
  assert.equal(p.allowance(1000), 1);
  assert.equal(p.allowance(1049), 1);
  assert.equal(p.allowance(1100), 3);
  p.sent = 3;
  assert.equal(p.nextDueMs(), 1150);
  assert.equal(p.allowance(99_999), 7);
  p.sent = 10;
  p.ack(10);
  assert.ok(p.done);
});

Deno.test("bench topology: per-client expectations add up to the run's total", () => {
  for (
    const t of [
      { clients: 200, senders: 10, channels: 1, messages: 1000 },
      { clients: 2000, senders: 100, channels: 100, messages: 100 },
      { clients: 23, senders: 5, channels: 4, messages: 3 },
      { clients: 10, senders: 0, channels: 1, messages: 0 },
    ]
  ) {
    let sum = 0;
    for (let i = 0; i < t.clients; i++) sum += expectedFor(t, i);
    assert.equal(sum, expectedTotal(t));
  }
  assert.equal(
    expectedTotal({ clients: 200, senders: 10, channels: 1, messages: 1000 }),
    1_990_000,
  );
  assert.equal(sendersIn({ clients: 23, senders: 5, channels: 4, messages: 1 }, 0), 2);
  assert.deepEqual(shardClients(7, 1, 3), [1, 4]);
});

Deno.test("bench procfs: RSS, per-process and machine CPU parse from /proc text", () => {
  assert.equal(parseRssKiB("Name:\tdeno\nVmRSS:\t   35120 kB\nVmData: 1 kB\n"), 35120);
  assert.equal(parseRssKiB("Name: x\n"), undefined);
  const stat = "123 (a (weird) name) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 1";
  assert.equal(parseCpuSeconds(stat), 3);
  assert.equal(parseMachineBusySeconds("cpu  100 0 50 1000 10 5 5 0 0 0\ncpu0 1 2 3\n"), 1.6);
  const use = cpuBetween(new Map([[1, 1], [2, 5]]), new Map([[1, 1.5], [2, 5.2], [3, 0.4]]));
  assert.equal(use.busiestThreadSeconds, 0.5);
  assert.ok(Math.abs(use.seconds - 1.1) < 1e-9);
});
