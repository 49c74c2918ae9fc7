/**
 * `chat bench` against a real in-process server: every delivery counted, none lost, a p99; and
 * the command line with shards in subprocesses, `--json`, and its refusal of remote targets.
 */
import assert from "node:assert/strict";
import { runBench } from "../../bench/coordinator.ts";
import { DEFAULT_OPTIONS } from "../../bench/options.ts";
import type { BenchResult } from "../../bench/result.ts";
import { startRelay } from "../../scripts/side_by_side/servers.ts";
import { testServer } from "../helpers/server.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function chat(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", MAIN, ...args],
    stdin: "null",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(30_000),
  }).output();
  const d = new TextDecoder();
  return { code: out.code, stdout: d.decode(out.stdout), stderr: d.decode(out.stderr) };
}

Deno.test("chat bench (in process): 20 clients, 2 senders × 20 messages, all delivered", async () => {
  const server = await testServer({ floodControl: false });
  try {
    const r = await runBench({
      ...DEFAULT_OPTIONS,
      port: server.addr.port,
      clients: 20,
      senders: 2,
      messages: 20,
      window: 4,
      settleSec: 0,
      durationLimitSec: 20,
    });
    assert.deepEqual(r.problems, []);
    assert.equal(r.outcome, "ok");
    assert.equal(r.join.joined, 20);
    assert.equal(r.send.expected, 2 * 20 * 19);
    assert.equal(r.send.delivered, 2 * 20 * 19);
    assert.equal(r.send.lost, 0);
    assert.equal(r.send.outOfOrder, 0);
    assert.equal(r.send.latencyMs.count, 760);
    assert.ok(Number.isFinite(r.send.latencyMs.p99) && r.send.latencyMs.p99 >= 0);
    assert.ok(r.send.latencyMs.p99 <= r.send.latencyMs.max);
    assert.ok(r.send.deliveriesPerSec > 0);
  } finally {
    await server.shutdown();
  }
});

Deno.test("chat bench (in process): paced senders over several channels", async () => {
  const server = await testServer({ floodControl: false });
  try {
    const r = await runBench({
      ...DEFAULT_OPTIONS,
      port: server.addr.port,
      clients: 12,
      senders: 3,
      channels: 3,
      messages: 5,
      rate: 50,
      settleSec: 0,
      durationLimitSec: 20,
    });
    assert.equal(r.outcome, "ok", r.problems.join("; "));
    assert.equal(r.send.delivered, 3 * 5 * 3); // each sender's channel has 4 members
    assert.equal(r.send.misrouted, 0);
    assert.ok(r.send.wallSec >= 0.07, "5 messages at 50/s take at least 80 ms");
  } finally {
    await server.shutdown();
  }
});

Deno.test("chat bench (CLI): --procs 2 shards in subprocesses, --json result", async () => {
  const server = await testServer({ floodControl: false });
  try {
    const { code, stdout, stderr } = await chat([
      "bench",
      "--json",
      "--port",
      String(server.addr.port),
      "--clients",
      "20",
      "--senders",
      "2",
      "--messages",
      "20",
      "--procs",
      "2",
      "--settle",
      "0",
    ]);
    assert.equal(code, 0, stderr);
    const r = JSON.parse(stdout) as BenchResult;
    assert.equal(r.tool, "chat bench");
    assert.equal(r.options.procs, 2);
    assert.equal(r.send.delivered, 760);
    assert.equal(r.send.lost, 0);
    assert.equal(r.send.generator.processes.length, 2);
    assert.ok(r.send.generator.processes.every((p) => typeof p.pid === "number"));
  } finally {
    await server.shutdown();
  }
});

Deno.test("chat bench (CLI): refuses a non-loopback target without --allow-remote", async () => {
  const { code, stdout, stderr } = await chat(["bench", "--host", "192.0.2.1"]);
  assert.equal(code, 1);
  assert.equal(stdout, "");
  assert.match(stderr.trim(), /^error: refusing to load 192\.0\.2\.1: not a loopback address/);
  assert.equal(stderr.trim().split("\n").length, 1);
});

Deno.test("the reference relay of `deno task bench` fans out to its channel only, in order", async () => {
  const relay = await startRelay();
  try {
    const r = await runBench({
      ...DEFAULT_OPTIONS,
      port: relay.port,
      serverPid: relay.pid,
      clients: 20,
      senders: 4,
      messages: 20,
      channels: 2,
      window: 4,
      settleSec: 0,
      durationLimitSec: 20,
    });
    assert.deepEqual(r.problems, []); // would list misrouted, lost or out-of-order messages
    assert.equal(r.join.joined, 20);
    assert.equal(r.send.expected, 4 * 20 * 9);
    assert.equal(r.send.delivered, 4 * 20 * 9);
    assert.ok(r.server?.rssJoinedKiB !== undefined && r.server.rssJoinedKiB > 0);
  } finally {
    await relay.stop();
  }
});
