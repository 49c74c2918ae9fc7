/**
 * `deno task bench`: starts chat, ngIRCd and InspIRCd one after the other on loopback (each fresh
 * per scenario), runs scenarios A–E of issue 6 against each with `chat bench`, prints the ratio
 * table (chat ÷ peer) and writes BENCHMARKS.md, BENCHMARKS.svg and BENCHMARKS.json.
 *
 *   deno task bench                        # everything, full size (~10 minutes)
 *   deno task bench --quick                # a tenth of the size, prints only
 *   deno task bench --scenarios B,D --servers chat,inspircd --repeat 3
 *
 * @module
 */

import { compareCluster, DEFAULT_CLUSTER_LOAD } from "../cluster_bench.ts";
import { renderChart } from "./chart.ts";
import { markdownTable, ratioTable, type RunRecord } from "./compare.ts";
import { describeMachine } from "./machine.ts";
import { parseOptions, type RunAllOptions, USAGE } from "./run_options.ts";
import { failureNotes, keptNotes, renderBenchmarks } from "./markdown.ts";
import { formatMs, formatRate } from "../../bench/report.ts";
import type { BenchResult } from "../../bench/result.ts";
import {
  connectConcurrency,
  DEFAULT_PROCS,
  generatorProcs,
  joinConcurrency,
  quick,
  type Scenario,
  SERVER_LABELS,
  type ServerName,
} from "./scenarios.ts";
import { available, chatBenchFlags, type ChatBenchSetup, startServer } from "./servers.ts";
import type { PeerServer } from "../support/peers.ts";
import { errorMessage } from "../../util/error_message.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
const MAIN = `${ROOT}/main.ts`;
/** Whether Debian's redis-server is on this machine (the cluster comparison needs it). */
async function hasRedisServer(): Promise<boolean> {
  try {
    const out = await new Deno.Command("redis-server", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/** Processes to clean up on SIGINT. */
const live = new Set<{ stop(): Promise<void> | void }>();

/** Runs `chat bench --json` against a server; never throws. */
async function benchProcess(
  sc: Scenario,
  server: ServerName,
  peer: PeerServer,
  o: RunAllOptions,
): Promise<{ result?: BenchResult; error?: string }> {
  const l = sc.load;
  const args = [
    "run",
    "--allow-all", // Deno lets only --allow-all read /proc (server RSS and CPU)
    MAIN,
    "bench",
    "--json",
    "--port",
    String(peer.port),
    "--server-pid",
    String(peer.pid),
    "--clients",
    String(l.clients),
    "--senders",
    String(l.senders),
    "--messages",
    String(l.messages),
    "--rate",
    String(l.rate),
    "--channels",
    String(l.channels),
    "--payload",
    "64",
    "--duration-limit",
    String(l.durationLimitSec),
    "--settle",
    String(l.settleSec),
    "--window",
    String(o.window),
    "--connect-concurrency",
    String(connectConcurrency(server)),
    "--join-concurrency",
    String(joinConcurrency(sc)),
    "--procs",
    String(Math.min(o.procs ?? generatorProcs(sc), l.clients)),
    "--shard-kind",
    o.shardKind,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
    env: { NO_COLOR: "1" },
  }).spawn();
  const handle = {
    stop: () => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    },
  };
  live.add(handle);
  const timer = setTimeout(handle.stop, (l.durationLimitSec + 60) * 1000);
  try {
    const [status, out] = await Promise.all([child.status, new Response(child.stdout).text()]);
    const start = out.indexOf("{");
    if (start !== -1) {
      try {
        return { result: JSON.parse(out.slice(start)) as BenchResult };
      } catch { /* fall through */ }
    }
    return {
      error: status.signal ? `bench killed (${status.signal})` : `bench exited ${status.code}`,
    };
  } finally {
    clearTimeout(timer);
    live.delete(handle);
  }
}

function summary(rec: RunRecord): string {
  const who = `${rec.scenario} ${SERVER_LABELS[rec.server].padEnd(8)}`;
  const r = rec.result;
  if (!r) return `${who} ✗ ${rec.error}`;
  const parts = [`${r.join.joined}/${r.join.clients} joined in ${r.join.wallSec.toFixed(2)} s`];
  if (r.send.ran) {
    parts.push(
      `${formatRate(r.send.deliveriesPerSec)}/s`,
      `p99 ${formatMs(r.send.latencyMs.p99)} ms`,
    );
    if (r.server?.deliveriesPerCpuSec) {
      parts.push(`${formatRate(r.server.deliveriesPerCpuSec)}/CPU-s`);
    }
  }
  if (r.server?.kibPerConnection !== undefined) {
    parts.push(`${r.server.kibPerConnection.toFixed(1)} KiB/conn`);
  }
  return `${who} ${parts.join(", ")} — ${
    r.outcome === "ok" ? "ok" : `FAILED: ${r.problems.join("; ")}`
  }`;
}

/** The reference relay sends a JOIN only to its joiner: a join storm (E) is not in it. */
function measures(server: ServerName, sc: Scenario): boolean {
  return server !== "relay" || sc.focus !== "joins";
}

/** One scenario against one server, fresh: start, (warm up), measure, stop. */
async function runOne(
  sc: Scenario,
  server: ServerName,
  o: RunAllOptions,
  chat: ChatBenchSetup,
): Promise<RunRecord> {
  if (!available(server)) return { scenario: sc.id, server, error: `${server} is not installed` };
  let peer: PeerServer;
  try {
    peer = await startServer(server, { v8Flags: o.chatV8Flags, ...chat });
  } catch (err) {
    console.error(`${server} did not start: ${errorMessage(err)}`);
    return { scenario: sc.id, server, error: "server did not start" };
  }
  live.add(peer);
  try {
    if (o.warmup && !o.quick && (sc.focus === "throughput" || sc.focus === "latency")) {
      const w = quick(sc);
      await benchProcess({ ...w, load: { ...w.load, rate: 0, settleSec: 0 } }, server, peer, o);
    }
    const { result, error } = await benchProcess(sc, server, peer, o);
    return { scenario: sc.id, server, result, error };
  } finally {
    live.delete(peer);
    await peer.stop();
  }
}

/** How this run was started, for BENCHMARKS.md (`--note` texts shortened: they are listed). */
function commandLine(args: string[]): string {
  const out: string[] = [];
  const given = args.values();
  for (const arg of given) {
    if (arg === "--note") {
      out.push("--note …");
      given.next(); // its text
    } else if (arg.startsWith("--note=")) out.push("--note=…");
    else out.push(/^[\w.,=\/-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`);
  }
  return ["deno task bench", ...out].join(" ");
}

/** Observations worth a line in BENCHMARKS.md. */
function autoNotes(records: RunRecord[], loadBefore: number | undefined): string[] {
  const notes: string[] = [];
  const saturated = records.filter((r) =>
    r.result && (r.result.send.ran ? r.result.send.generator : r.result.join.generator).saturated
  );
  if (saturated.length > 0) {
    notes.push(
      `The generator was saturated (a thread at ≥ 90% of a core) in ${
        saturated.map((r) => `${r.scenario}/${SERVER_LABELS[r.server]}`).join(", ")
      }: those deliveries/s are partly the generator's limit; deliveries per server CPU-second ` +
        "are not affected.",
    );
  }
  let worst = 0;
  for (const r of records) {
    const res = r.result;
    if (res?.send.ran && res.otherCpuSec !== undefined && res.send.generator.wallSec > 0) {
      worst = Math.max(worst, res.otherCpuSec / res.send.generator.wallSec);
    }
  }
  if (worst > 0.25 || (loadBefore ?? 0) > 0.5) {
    const parts = [];
    if ((loadBefore ?? 0) > 0.5) parts.push(`load average ${loadBefore} before the run`);
    if (worst > 0.25) {
      parts.push(
        `up to ${(worst * 100).toFixed(0)}% of a core used by other processes (or kernel network ` +
          "work) during a send phase",
      );
    }
    notes.push(
      `The machine was not idle: ${parts.join("; ")}. Throughput and latency figures are ` +
        "noisy; server CPU-seconds per delivery much less so.",
    );
  }
  notes.push(...failureNotes(records).map((f) => `Failed: ${f}.`));
  return notes;
}

/**
 * Re-runs this script under `sh -c 'ulimit -n …'` when the open-files limit is below what the
 * largest scenario needs and the hard limit allows more (deno task's shell has no `ulimit`).
 * Returns the child's exit code, or undefined when no re-run was needed.
 */
async function withRaisedFdLimit(needed: number): Promise<number | undefined> {
  if (Deno.env.get("CHAT_BENCH_FD_RAISED")) return undefined;
  const limits = async (flag: string) => {
    const out = await new Deno.Command("sh", { args: ["-c", `ulimit ${flag}`], stdout: "piped" })
      .output().catch(() => undefined);
    const text = out ? new TextDecoder().decode(out.stdout).trim() : "";
    return text === "unlimited" ? Infinity : Number(text);
  };
  const soft = await limits("-Sn"), hard = await limits("-Hn");
  if (!(soft < needed) || !(hard > soft)) return undefined;
  const target = Math.min(hard, Math.max(needed, 65_536));
  const child = new Deno.Command("sh", {
    args: [
      "-c",
      `ulimit -n ${target} && exec "$0" "$@"`,
      Deno.execPath(),
      "run",
      "--allow-all",
      new URL(import.meta.url).pathname,
      ...Deno.args,
    ],
    env: { CHAT_BENCH_FD_RAISED: "1" },
  }).spawn();
  const ignore = () => {}; // the child gets the terminal's signals itself and cleans up
  Deno.addSignalListener("SIGINT", ignore);
  const status = await child.status;
  Deno.removeSignalListener("SIGINT", ignore);
  return status.code;
}

async function main(): Promise<void> {
  let o: RunAllOptions;
  try {
    o = parseOptions(Deno.args);
  } catch (err) {
    console.error(`error: ${errorMessage(err)}\n${USAGE}`);
    Deno.exit(2);
  }
  const maxClients = Math.max(...o.scenarios.map((s) => s.load.clients));
  const code = await withRaisedFdLimit(2 * maxClients + 1000);
  if (code !== undefined) Deno.exit(code);
  const onSignal = async () => {
    console.error("\ninterrupted: stopping servers and benches");
    await Promise.all([...live].map((p) => p.stop()));
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const machine = await describeMachine();
  if (machine.fdLimit !== undefined && machine.fdLimit < maxClients + 200) {
    console.error(
      `warning: open files limit ${machine.fdLimit} < ${maxClients + 200}: the largest scenario ` +
        "will fail for lack of file descriptors (raise the hard limit: ulimit -Hn)",
    );
  }
  const chat = o.servers.includes("chat") ? await chatBenchFlags() : { args: [], freshDb: false };
  const started = new Date();
  const records: RunRecord[] = [];
  for (const sc of o.scenarios) {
    console.error(`== ${sc.id}: ${sc.title}`);
    for (const server of o.servers) {
      if (!measures(server, sc)) continue;
      for (let k = 0; k < o.repeat; k++) {
        const rec = await runOne(sc, server, o, chat);
        records.push(rec);
        console.error(summary(rec));
      }
    }
  }
  const table = ratioTable(o.scenarios, o.servers, records);
  console.log(markdownTable(table));

  let clusterTable: string | undefined;
  if (o.cluster && o.servers.includes("chat")) {
    if (await hasRedisServer()) {
      console.error("== cluster: one chat node vs two, through Redis");
      clusterTable = await compareCluster(DEFAULT_CLUSTER_LOAD);
      console.log(clusterTable);
    } else {
      console.error("== cluster comparison skipped: redis-server is not installed");
    }
  }

  if (o.out) {
    const base = o.out.replace(/\.md$/, "");
    const chartPath = `${base}.svg`;
    const chartFile = chartPath.slice(chartPath.lastIndexOf("/") + 1);
    let previous = "";
    try {
      previous = await Deno.readTextFile(o.out);
    } catch { /* first run */ }
    const settings = [
      `Load generator: \`chat bench\` with ${
        o.procs ??
          `${DEFAULT_PROCS} (1 in the join storm E: see generatorProcs in ` +
            "scripts/side_by_side/scenarios.ts)"
      } shard ${o.shardKind}(es) per run, ` +
      `${o.window} messages in flight per sender (PING/PONG-acknowledged), 64-byte messages, ` +
      `clients connecting and registering ${connectConcurrency("chat")} at a time for chat, ` +
      `${connectConcurrency("ngircd")} for ngIRCd (listen backlog 10) and ` +
      `${connectConcurrency("inspircd")} for InspIRCd (registers once a second), then ` +
      "joining 10 at a time in A (so the figure is idle memory, not a JOIN storm's queues) " +
      "and 100 at a time elsewhere.",
      `chat: \`chat serve ${chat.args.join(" ")}${
        chat.freshDb ? " --db <fresh temporary file>" : ""
      }\`` +
      (o.chatV8Flags ? ` with \`--v8-flags=${o.chatV8Flags}\`` : "") + ".",
      "Deno relay (`scripts/side_by_side/reference_relay.ts`, with chat's V8 flags): not a " +
      "server but a ceiling, the least a Deno program does to relay: 001, JOIN answered to " +
      "the joiner alone (so not run in the join storm E), PONG, PRIVMSG fanned out over " +
      "`node:net` sockets with one write per client per 1 ms tick; no parsing beyond the " +
      "command, no state beyond channel membership, no history.",
      "ngIRCd: `MaxPenaltyTime = 0`, `MaxConnectionsIP = 0`, `MaxJoins = 0`; InspIRCd: a " +
      "`<connect>` class for 127.0.0.0/8 with per-IP limits, `threshold`, `commandrate`, " +
      "`softsendq`, `hardsendq` and `recvq` far above the load, no modules beyond the core " +
      "(configs in `scripts/support/peers.ts`).",
      "Every server is started fresh for every scenario. " +
      (o.warmup && !o.quick
        ? "B, C and D are preceded by an unmeasured warm-up run at a tenth of the size on the " +
          "same server process (chat's JIT); A and E are measured cold."
        : "No warm-up runs."),
      `Runs per scenario and server: ${o.repeat}${
        o.repeat > 1 ? " (the table shows medians)" : ""
      }.`,
      "Deliveries/s: deliveries ÷ (last delivery − start of sending). Server CPU: utime + stime " +
      "from /proc/PID/stat over the send phase. KiB per connection: (VmRSS after joining and " +
      "settling − VmRSS before connecting) ÷ clients.",
    ];
    let doc = renderBenchmarks({
      date: started.toISOString().replace(/\.\d+Z$/, "Z"),
      command: commandLine(Deno.args),
      machine,
      scenarios: o.scenarios,
      servers: o.servers,
      table,
      records,
      chartFile,
      settings,
      notes: [...o.notes, ...autoNotes(records, machine.loadBefore)],
      keptNotes: keptNotes(previous),
    });
    if (clusterTable) {
      doc += "\n## Cluster: one chat node vs two, through Redis\n\n" +
        "The same load against one `chat serve`, one cluster node and two cluster nodes (clients " +
        "split between them), each with a fresh `redis-server`, on this same machine " +
        "(`scripts/cluster_bench.ts`; `deno task bench:cluster` runs it alone).\n\n" +
        clusterTable + "\n";
    }
    await Deno.writeTextFile(o.out, doc);
    await Deno.writeTextFile(chartPath, renderChart(o.scenarios, o.servers, records));
    await Deno.writeTextFile(
      `${base}.json`,
      JSON.stringify({ date: started.toISOString(), machine, records }, null, 2) + "\n",
    );
    // `deno task test` checks formatting of every file in the tree, these included.
    await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", o.out, `${base}.json`],
      cwd: ROOT,
      stdout: "null",
      stderr: "inherit",
    }).output();
    console.error(`wrote ${o.out}, ${chartPath} and ${base}.json`);
  }
  Deno.removeSignalListener("SIGINT", onSignal);
  Deno.removeSignalListener("SIGTERM", onSignal);
}

if (import.meta.main) await main();
