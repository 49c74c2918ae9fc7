/**
 * What a server process holds, read from Linux's /proc: open file descriptors and resident
 * memory. For end-to-end tests that show a hostile client costs the server nothing lasting.
 *
 * @module
 */

import { readRssKiB } from "../../bench/procfs.ts";

/** Whether /proc can be read here (Linux). */
export const HAS_PROC = Deno.build.os === "linux";

/** The number of file descriptors `pid` has open. */
export function openFds(pid: number): number {
  let n = 0;
  for (const _ of Deno.readDirSync(`/proc/${pid}/fd`)) n++;
  return n;
}

/** The resident set size of `pid`, in bytes. */
export function residentBytes(pid: number): number {
  const kib = readRssKiB(pid);
  if (kib === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return kib * 1024;
}
