/**
 * Resident memory and CPU time of a process (and of each of its threads) from Linux's /proc:
 * how the bench measures the server under test and itself, and the one /proc reader the dev
 * scripts and tests use too. Parsing is pure; the readers return undefined where /proc is missing
 * (another OS, a process that has exited).
 *
 * @module
 */

/** Clock ticks per second in /proc/PID/stat (USER_HZ, 100 on every mainstream Linux). */
export const USER_HZ = 100;

/** VmRSS in KiB from the text of /proc/PID/status. */
export function parseRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** utime + stime in seconds from the text of /proc/PID/stat (or /proc/PID/task/TID/stat). */
export function parseCpuSeconds(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close === -1) return undefined;
  const fields = stat.slice(close + 2).trim().split(/\s+/); // fields[0] is field 3 (state)
  const utime = Number(fields[11]), stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / USER_HZ;
}

/**
 * Whether this process may read /proc: Deno allows it only with `--allow-all` ("denied"
 * otherwise); "missing" where there is no /proc (not Linux).
 */
export function procAccess(): "ok" | "denied" | "missing" {
  try {
    Deno.readTextFileSync("/proc/self/stat");
    return "ok";
  } catch (err) {
    return err instanceof Deno.errors.NotCapable || err instanceof Deno.errors.PermissionDenied
      ? "denied"
      : "missing";
  }
}

function read(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Resident set size of a process in KiB. */
export function readRssKiB(pid: number | "self"): number | undefined {
  const s = read(`/proc/${pid}/status`);
  return s === undefined ? undefined : parseRssKiB(s);
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function readCpuSeconds(pid: number | "self"): number | undefined {
  const s = read(`/proc/${pid}/stat`);
  return s === undefined ? undefined : parseCpuSeconds(s);
}

/** CPU seconds per thread id of a process. */
export function readThreadCpu(pid: number | "self"): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const e of Deno.readDirSync(`/proc/${pid}/task`)) {
      const s = read(`/proc/${pid}/task/${e.name}/stat`);
      const cpu = s === undefined ? undefined : parseCpuSeconds(s);
      if (cpu !== undefined) out.set(Number(e.name), cpu);
    }
  } catch { /* no /proc, or the process is gone */ }
  return out;
}

/** CPU use of one process over an interval. */
export interface CpuUse {
  /** CPU seconds, all threads. */
  seconds: number;
  /** CPU seconds of its busiest thread (a JS isolate runs on one thread). */
  busiestThreadSeconds: number;
}

/** CPU used between two `readThreadCpu` snapshots (threads born in between count from 0). */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): CpuUse {
  let seconds = 0, busiest = 0;
  for (const [tid, cpu] of after) {
    const d = Math.max(0, cpu - (before.get(tid) ?? 0));
    seconds += d;
    if (d > busiest) busiest = d;
  }
  return { seconds, busiestThreadSeconds: busiest };
}

/** CPU seconds all cores spent busy (not idle or waiting for I/O), from /proc/stat text. */
export function parseMachineBusySeconds(stat: string): number | undefined {
  const fields = /^cpu\s+(.+)$/m.exec(stat)?.[1];
  if (fields === undefined) return undefined;
  const f = fields.trim().split(/\s+/).map(Number);
  if (f.length < 5 || f.some((v) => !Number.isFinite(v))) return undefined;
  // guest time is already in user
  const [user = 0, nice = 0, system = 0, _idle, _iowait, irq = 0, softirq = 0, steal = 0] = f;
  const busy = user + nice + system + irq + softirq + steal;
  return busy / USER_HZ;
}

/** CPU seconds the whole machine has been busy so far. */
export function readMachineBusySeconds(): number | undefined {
  const s = read("/proc/stat");
  return s === undefined ? undefined : parseMachineBusySeconds(s);
}
