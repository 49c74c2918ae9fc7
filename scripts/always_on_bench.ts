/**
 * What always-on users cost (`deno task bench:always-on`): the memory of each offline always-on
 * user and the start-up time to restore them, measured on the real server process (`main.ts
 * serve` with the V8 flags it ships with) against the same database holding none. Users are spread
 * over many small channels, as real networks are. Bounded counts, nothing on the network.
 *
 * Usage: deno task bench:always-on [--users N] [--channels N] [--per-user N] [--runs N]
 *
 * @module
 */

import { parseArgs } from "node:util";
import { newChannelSettings } from "../server/network/rules.ts";
import { openSqliteStores } from "../server/store/stores.ts";
import type { AlwaysOnRecord } from "../server/store/always_on.ts";
import { readRssKiB } from "../bench/procfs.ts";
import { v8FlagsArg } from "./compile.ts";
import { median } from "./support/median.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    users: { type: "string", default: "10000" },
    channels: { type: "string", default: "1000" },
    "per-user": { type: "string", default: "3" },
    runs: { type: "string", default: "3" },
  },
});
const USERS = Math.min(100_000, Number(values.users));
const CHANNELS = Math.max(1, Number(values.channels));
const PER_USER = Math.min(CHANNELS, Number(values["per-user"]));
const RUNS = Math.min(10, Math.max(1, Number(values.runs)));

/** A database with `users` always-on users, each in `PER_USER` of `CHANNELS` channels. */
async function populate(path: string, users: number): Promise<void> {
  const stores = openSqliteStores(path);
  const settings = Array.from(
    { length: CHANNELS },
    (_, i) => newChannelSettings(`#room${i}`, `#room${i}`, false, Date.now()),
  );
  for (let u = 0; u < users; u++) {
    const record: AlwaysOnRecord = {
      account: `user${u}`,
      nick: `user${u}`,
      username: `~user${u}`,
      hostname: "127.0.0.1",
      realname: `User number ${u}`,
      modes: "i",
      away: undefined,
      lastSeen: Date.now(),
      channels: Array.from({ length: PER_USER }, (_, k) => ({
        status: 0,
        settings: settings[(u * 7 + k * 131) % CHANNELS]!,
      })),
    };
    stores.alwaysOn.save(record);
  }
  await stores.close();
}

/** Starts the server on `path`; the time until it listens, its RSS once settled, users restored. */
async function start(path: string): Promise<{ ms: number; rssKiB: number; restored: number }> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", v8FlagsArg(), "--allow-all", MAIN, "serve", "--port", "0", "--db", path],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let restored = 0, ms = 0, text = "";
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  const deadline = setTimeout(() => child.kill("SIGKILL"), 120_000);
  while (ms === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server ended before listening:\n${text}`);
    text += value;
    const found = /always-on: (\d+) users restored/.exec(text);
    if (found) restored = Number(found[1]);
    if (/listening on/.test(text)) ms = performance.now() - started;
  }
  // settled: two RSS readings a second apart within 1%
  let rss = readRssKiB(child.pid) ?? 0;
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = readRssKiB(child.pid) ?? 0;
    if (Math.abs(now - rss) <= rss / 100) break;
    rss = now;
  }
  clearTimeout(deadline);
  child.kill("SIGTERM");
  await child.status;
  reader.releaseLock();
  return { ms, rssKiB: rss, restored };
}

const dir = await Deno.makeTempDir({ prefix: "chat-always-on-bench-" });
try {
  const empty = `${dir}/empty.db`, full = `${dir}/full.db`;
  await populate(empty, 0);
  const filling = performance.now();
  await populate(full, USERS);
  const fillMs = performance.now() - filling;
  const base: { ms: number; rssKiB: number }[] = [];
  const loaded: { ms: number; rssKiB: number; restored: number }[] = [];
  for (let r = 0; r < RUNS; r++) {
    base.push(await start(empty));
    const run = await start(full);
    if (run.restored !== USERS) throw new Error(`restored ${run.restored} of ${USERS} users`);
    loaded.push(run);
  }
  const baseMs = median(base.map((b) => b.ms))!, fullMs = median(loaded.map((l) => l.ms))!;
  const baseRss = median(base.map((b) => b.rssKiB))!;
  const fullRss = median(loaded.map((l) => l.rssKiB))!;
  console.log(
    `${USERS} always-on users, ${PER_USER} channels each of ${CHANNELS}; medians of ${RUNS} runs`,
  );
  console.log(`saving them (SQLite, one transaction each): ${fillMs.toFixed(0)} ms`);
  console.log(
    `start-up until listening: ${baseMs.toFixed(0)} ms empty, ${fullMs.toFixed(0)} ms with them ` +
      `(restore ≈ ${(fullMs - baseMs).toFixed(0)} ms)`,
  );
  console.log(
    `RSS settled: ${(baseRss / 1024).toFixed(1)} MiB empty, ${(fullRss / 1024).toFixed(1)} MiB ` +
      `with them: ${(((fullRss - baseRss) * 1024) / USERS).toFixed(0)} bytes per offline user`,
  );
} finally {
  await Deno.remove(dir, { recursive: true });
}
