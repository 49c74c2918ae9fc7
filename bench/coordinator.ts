/**
 * Runs one bench: starts the shards, walks them through join → settle → send → drain within the
 * duration limit, samples the server and the generator from /proc between the phases, and
 * merges everything into a `BenchResult`. Every wait here has a deadline.
 *
 * @module
 */

import {
  type FromShard,
  inProcessShard,
  processShard,
  type ShardHandle,
  threadShard,
} from "./link.ts";
import { type BenchOptions, describeLoad, validateOptions } from "./options.ts";
import {
  cpuBetween,
  procAccess,
  readCpuSeconds,
  readMachineBusySeconds,
  readRssKiB,
  readThreadCpu,
} from "./procfs.ts";
import { formatProgress, type ProgressState } from "./progress.ts";
import type { ShardCounts } from "./recorder.ts";
import {
  type BenchResult,
  buildResult,
  type GeneratorPhase,
  generatorPhase,
  type ServerSamples,
} from "./result.ts";
import type { ShardProgress } from "./shard.ts";

/** How a run reports while it goes. */
export interface RunHooks {
  /** Gets a progress line about once a second once the run is long (default: none). */
  progress?: (line: string) => void;
  /** Ends the run early (e.g. on SIGINT); what was measured so far is still reported. */
  signal?: AbortSignal;
}

/** Time after "stop" that shards get to send their counts. */
const REPORT_TIMEOUT_MS = 10_000;
/** A run shorter than this prints no progress. */
const QUIET_FOR_MS = 2000;

const nowAbs = () => performance.timeOrigin + performance.now();

/** Runs a bench and returns its result; throws only for invalid options or a broken shard. */
export async function runBench(options: BenchOptions, hooks: RunHooks = {}): Promise<BenchResult> {
  const errors = validateOptions(options);
  if (errors.length > 0) throw new Error(errors.join("; "));
  const o = options;
  const startedAt = new Date().toISOString();
  const epochMs = Math.floor(nowAbs());
  const deadlineMs = epochMs + o.durationLimitSec * 1000;
  const tag = Math.floor(Math.random() * 36 * 36).toString(36).padStart(2, "0");
  const pid = o.serverPid;
  const warnings: string[] = [];
  const proc = procAccess();
  if (proc !== "ok") {
    const why = proc === "denied"
      ? "Deno allows reading /proc only with --allow-all"
      : "this system has no /proc";
    if (pid !== undefined) throw new Error(`--server-pid needs /proc: ${why}`);
    warnings.push(`no CPU figures for the generator: ${why}`);
  } else if (pid !== undefined && readRssKiB(pid) === undefined) {
    throw new Error(`--server-pid ${pid}: no such process`);
  }
  const rssBeforeKiB = pid === undefined ? undefined : readRssKiB(pid);
  const cpuStart = pid === undefined ? undefined : readCpuSeconds(pid);

  const shards = startShards(o);
  const latest: (ShardProgress | undefined)[] = shards.map(() => undefined);
  const reports: (ShardCounts | undefined)[] = shards.map(() => undefined);
  const fatal: string[] = [];
  let changed: (() => void) | undefined;
  shards.forEach((h, k) => {
    h.onMessage = (m: FromShard) => {
      if (m.t === "progress") latest[k] = m.p;
      else if (m.t === "report") reports[k] = m.counts;
      else fatal.push(m.message);
      changed?.();
    };
  });
  /** Resolves when `done()` holds, the deadline passes, or (if `abortable`) the run is aborted. */
  const until = (done: () => boolean, deadline: number, abortable = true): Promise<boolean> =>
    new Promise((resolve) => {
      const check = () => {
        const ok = done();
        const aborted = abortable && hooks.signal?.aborted;
        if (ok || fatal.length > 0 || nowAbs() >= deadline || aborted) {
          changed = undefined;
          clearTimeout(timer);
          hooks.signal?.removeEventListener("abort", check);
          resolve(ok);
        }
      };
      const timer = setTimeout(check, Math.max(0, deadline - nowAbs()));
      hooks.signal?.addEventListener("abort", check);
      changed = check;
      check();
    });

  const progress: ProgressState = { phase: "join", options: o, startedMs: nowAbs(), latest };
  const ticker = startTicker(progress, hooks.progress);
  const pids = [...new Set(shards.map((s) => s.pid))];
  try {
    let threads = pids.map((pid) => ({ pid, cpu: readThreadCpu(pid) }));
    let phaseStart = nowAbs();
    for (const [k, h] of shards.entries()) {
      h.send({
        t: "start",
        spec: {
          options: o,
          tag,
          shard: k,
          shards: shards.length,
          epochMs,
          joinDeadlineMs: deadlineMs,
        },
      });
    }
    const allJoined = await until(() => latest.every((p) => p?.joinDone), deadlineMs);
    const joinGenerator = measure(threads, phaseStart);
    const cpuJoined = pid === undefined ? undefined : readCpuSeconds(pid);
    const everyone = allJoined && latest.reduce((a, p) => a + (p?.joined ?? 0), 0) === o.clients;
    if (o.settleSec > 0 && !hooks.signal?.aborted) {
      await until(() => false, Math.min(deadlineMs, nowAbs() + o.settleSec * 1000));
    }
    const rssJoinedKiB = pid === undefined ? undefined : readRssKiB(pid);

    const sendRan = everyone && o.messages > 0 && o.senders > 0 && fatal.length === 0 &&
      !hooks.signal?.aborted && nowAbs() < deadlineMs;
    let timedOut = false, goUs = NaN;
    let sendGenerator: GeneratorPhase = generatorPhase(0, []);
    let cpuSend: number | undefined, machineBusySec: number | undefined;
    if (sendRan) {
      const busy0 = readMachineBusySeconds();
      progress.phase = "send";
      const cpu0 = pid === undefined ? undefined : readCpuSeconds(pid);
      threads = pids.map((pid) => ({ pid, cpu: readThreadCpu(pid) }));
      phaseStart = nowAbs();
      goUs = (phaseStart - epochMs) * 1000;
      for (const h of shards) h.send({ t: "go" });
      // Ends when every shard is complete, or nothing moved for --drain-timeout, or the limit.
      let lastMove = nowAbs(), lastSig = "";
      await until(() => {
        const sig = latest.map((p) => `${p?.delivered},${p?.acked}`).join(";");
        if (sig !== lastSig) {
          lastSig = sig;
          lastMove = nowAbs();
        }
        return latest.every((p) => p?.complete) ||
          nowAbs() - lastMove > o.drainTimeoutSec * 1000;
      }, deadlineMs);
      timedOut = !latest.every((p) => p?.complete);
      sendGenerator = measure(threads, phaseStart);
      const cpu1 = pid === undefined ? undefined : readCpuSeconds(pid);
      cpuSend = cpu0 !== undefined && cpu1 !== undefined ? cpu1 - cpu0 : undefined;
      const busy1 = readMachineBusySeconds();
      machineBusySec = busy0 !== undefined && busy1 !== undefined ? busy1 - busy0 : undefined;
    }
    const rssEndKiB = pid === undefined ? undefined : readRssKiB(pid);

    progress.phase = "stop";
    const sendersDone = latest.reduce((a, p) => a + (p?.sendersDone ?? 0), 0);
    const allSent = sendRan && sendersDone === o.senders;
    if (sendRan && !allSent) {
      warnings.push(
        `${o.senders - sendersDone} of ${o.senders} senders did not finish: losses count only ` +
          "gaps below the highest number received",
      );
    }
    if (hooks.signal?.aborted) warnings.push("interrupted: the figures are partial");
    for (const h of shards) h.send({ t: "stop", allSent });
    await until(() => reports.every((r) => r !== undefined), nowAbs() + REPORT_TIMEOUT_MS, false);
    if (fatal.length > 0) throw new Error(`a bench shard failed: ${fatal[0]}`);
    const missing = reports.filter((r) => r === undefined).length;
    if (missing > 0) throw new Error(`${missing} bench shard(s) sent no report`);

    const server: ServerSamples | undefined = pid === undefined ? undefined : {
      pid,
      rssBeforeKiB,
      rssJoinedKiB,
      rssEndKiB,
      cpuJoinSec: cpuStart !== undefined && cpuJoined !== undefined
        ? cpuJoined - cpuStart
        : undefined,
      cpuSendSec: cpuSend,
    };
    return buildResult({
      warnings,
      options: o,
      startedAt,
      goUs,
      sendRan,
      timedOut,
      joinGenerator,
      sendGenerator,
      server,
      machineBusySec,
      cores: navigator.hardwareConcurrency,
    }, reports as ShardCounts[]);
  } finally {
    clearInterval(ticker);
    if (hooks.progress && nowAbs() - progress.startedMs > QUIET_FOR_MS) hooks.progress("");
    await Promise.all(shards.map((s) => s.close()));
  }
}

function startShards(o: BenchOptions): ShardHandle[] {
  if (o.procs === 1) return [inProcessShard()];
  const make = o.shardKind === "thread" ? threadShard : processShard;
  const out: ShardHandle[] = [];
  try {
    for (let k = 0; k < o.procs; k++) out.push(make());
  } catch (err) {
    for (const s of out) s.close();
    throw err;
  }
  return out;
}

function measure(
  before: { pid: number | "self"; cpu: Map<number, number> }[],
  startAbs: number,
): GeneratorPhase {
  const wallSec = (nowAbs() - startAbs) / 1000;
  return generatorPhase(
    wallSec,
    before.map(({ pid, cpu }) => ({ pid, use: cpuBetween(cpu, readThreadCpu(pid)) })),
  );
}

function startTicker(
  state: ProgressState,
  out: ((line: string) => void) | undefined,
): ReturnType<typeof setInterval> | undefined {
  if (!out) return undefined;
  return setInterval(() => {
    if (nowAbs() - state.startedMs > QUIET_FOR_MS) out(formatProgress(state, nowAbs()));
  }, 1000);
}

/** One line about a run, for logs. */
export function runTitle(o: BenchOptions): string {
  return `chat bench → ${o.host}:${o.port}: ${describeLoad(o)}`;
}
