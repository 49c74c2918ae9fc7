/**
 * A description of the machine a benchmark ran on (cores, CPU model, RAM, kernel, Deno and peer
 * versions, load), so figures in BENCHMARKS.md can be compared with care. Parsing is pure.
 *
 * @module
 */

import { programVersion } from "./servers.ts";

/** What BENCHMARKS.md says about the machine. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memGiB: number;
  kernel: string;
  deno: string;
  v8: string;
  peers: Record<string, string>;
  /** 1-minute load average when the run started. */
  loadBefore: number | undefined;
  /** Open-file limit the run had (E needs > 10,000 per process). */
  fdLimit: number | undefined;
}

/** The CPU model from /proc/cpuinfo text. */
export function parseCpuModel(cpuinfo: string): string {
  return /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown";
}

/** Total memory in GiB from /proc/meminfo text. */
export function parseMemGiB(meminfo: string): number {
  const kib = Number(/^MemTotal:\s+(\d+)\s+kB/m.exec(meminfo)?.[1] ?? NaN);
  return kib / 1024 / 1024;
}

/** The 1-minute load average from /proc/loadavg text. */
export function parseLoad(loadavg: string): number | undefined {
  const v = Number(loadavg.split(" ")[0]);
  return Number.isFinite(v) ? v : undefined;
}

function readOr(path: string, fallback = ""): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return fallback;
  }
}

async function shell(script: string): Promise<string> {
  try {
    const out = await new Deno.Command("sh", { args: ["-c", script], stdout: "piped" }).output();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "";
  }
}

/** Describes this machine. */
export async function describeMachine(): Promise<Machine> {
  const peers: Record<string, string> = {};
  for (const p of ["ngircd", "inspircd"]) {
    const v = await programVersion(p);
    if (v) peers[p] = v;
  }
  const fd = Number(await shell("ulimit -n"));
  return {
    cores: navigator.hardwareConcurrency,
    cpuModel: parseCpuModel(readOr("/proc/cpuinfo")),
    memGiB: parseMemGiB(readOr("/proc/meminfo")),
    kernel: `${Deno.build.os} ${readOr("/proc/sys/kernel/osrelease", "?").trim()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    peers,
    loadBefore: parseLoad(readOr("/proc/loadavg")),
    fdLimit: Number.isFinite(fd) && fd > 0 ? fd : undefined,
  };
}
