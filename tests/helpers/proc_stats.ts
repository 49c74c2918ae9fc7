/**
 * What a server process holds, read from Linux's /proc: open file descriptors and resident
 * memory. For end-to-end tests that show a hostile client costs the server nothing lasting.
 *
 * @module
 */

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
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb[1]) * 1024;
}
