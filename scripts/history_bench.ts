/**
 * History figures (`deno task bench:history`): how fast messages are stored, by the store alone
 * and through a running server; how long a 1,000-line CHATHISTORY takes to arrive; how big the
 * database is per 100,000 messages; how long each query holds the event loop with 1,000,000
 * messages stored (TARGETS next to the whole-table scan it replaced). Loopback only, bounded counts.
 */

import { DELETE_STEP_MS } from "../server/store/history_deletion.ts";
import { SqliteHistory } from "../server/store/sqlite_history.ts";
import { ownerId, privateKey } from "../server/store/conversations.ts";
import { openDatabase } from "../server/store/database.ts";
import { TestClient } from "./support/irc_client.ts";
import { median } from "./support/median.ts";
import { ChatProcess } from "./support/process.ts";

const STORE_MESSAGES = 100_000;
const SERVER_MESSAGES = 20_000;
const REPLAY_LINES = 1000;
/** The query figures: channels × messages each, plus owners × peers × messages each. */
const BIG = { channels: 1000, perChannel: 500, owners: 500, peers: 10, perPrivate: 100 };

const dir = await Deno.makeTempDir({ prefix: "chat-history-bench-" });
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

try {
  // 1. The store alone, in batches the size one busy read produces.
  {
    const path = `${dir}/store.db`;
    const db = openDatabase(path);
    const history = new SqliteHistory(db);
    const text = "a typical chat line of about sixty characters, give or take.";
    const started = performance.now();
    for (let i = 0; i < STORE_MESSAGES; i++) {
      history.append("#bench", {
        msgid: `m${i}`,
        time: Date.now(),
        target: "#bench",
        source: "sender!~sender@127.0.0.1",
        command: "PRIVMSG",
        text,
      });
      if (i % 50 === 49) history.flush();
    }
    history.flush();
    const seconds = (performance.now() - started) / 1000;
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    console.log(
      `store alone: ${STORE_MESSAGES} messages in ${seconds.toFixed(2)} s = ` +
        `${Math.round(STORE_MESSAGES / seconds)} messages/s (batches of 50)`,
    );
    console.log(
      `database size: ${mib(fileSize(path))} MiB per ${STORE_MESSAGES} messages ` +
        `(${Math.round(fileSize(path) / STORE_MESSAGES)} bytes each, ~60-byte text)`,
    );
  }

  // 4. Queries at a million messages: the longest any of them holds the event loop.
  {
    const path = `${dir}/big.db`;
    const db = openDatabase(path);
    const history = new SqliteHistory(db);
    const t0 = Date.now() - 30 * 24 * 3600 * 1000;
    let n = 0;
    const add = (conversation: string, target: string, label?: string) => {
      const time = t0 + n * 2000; // a million messages over 23 days
      history.append(conversation, {
        msgid: `b${n++}`,
        time,
        target,
        source: "someone!~someone@127.0.0.1",
        command: "PRIVMSG",
        text: "a typical chat line of about sixty characters, give or take.",
      }, label);
      if (n % 2048 === 0) history.flush();
    };
    // interleaved, as real traffic is: every conversation's messages spread over the month
    for (let i = 0; i < BIG.perChannel; i++) {
      for (let c = 0; c < BIG.channels; c++) add(`#chan${c}`, `#chan${c}`);
    }
    const owners = Array.from(
      { length: BIG.owners },
      (_, i) => ownerId({ name: `u${i}`, created: 1 }),
    );
    for (let i = 0; i < BIG.perPrivate; i++) {
      for (const owner of owners) {
        for (let p = 0; p < BIG.peers; p++) {
          add(privateKey(owner, { account: `p${p}` }), "x", `p${p}`);
        }
      }
    }
    history.flush();
    const lo = t0, hi = t0 + n * 2000;
    const scope = {
      channels: Array.from({ length: 20 }, (_, c) => ({ key: `#chan${c * 37}`, name: `#c${c}` })),
      owner: owners[7],
    };
    const time = (what: string, run: () => unknown, times = 20) => {
      const ms: number[] = [];
      for (let i = 0; i < times; i++) {
        const started = performance.now();
        run();
        ms.push(performance.now() - started);
      }
      const mid = median(ms)!;
      console.log(`${what}: median ${mid.toFixed(2)} ms, max ${Math.max(...ms).toFixed(2)} ms`);
      return mid;
    };
    console.log(
      `queries with ${n} messages stored (${BIG.channels} channels, ${owners.length} ` +
        `accounts with ${BIG.peers} private conversations each):`,
    );
    const scoped = time(
      "  TARGETS (20 channels, 10 private conversations)",
      () => history.targets(scope, lo, hi, 50),
    );
    // what TARGETS did before: every conversation of every user, grouped
    const old = db.prepare(`SELECT conversation, MAX(time) AS latest, target FROM messages
       WHERE time > ? AND time < ? GROUP BY conversation ORDER BY latest DESC LIMIT ?`);
    const scan = time("  TARGETS before (whole-table GROUP BY)", () => old.all(lo, hi, 1000), 3);
    console.log(`  TARGETS: ${(scan / scoped).toFixed(0)}x less event-loop time per call`);
    time("  LATEST #chan * 100", () => history.latest("#chan500", "*", 100));
    time(
      "  BEFORE (middle of a channel) 100",
      () => history.before("#chan500", { time: t0 + (n >> 2) * 1000 }, 100),
    );
    time(
      "  LATEST private * 100",
      () =>
        history.latest(
          privateKey(ownerId({ name: "u7", created: 1 }), { account: "p3" }),
          "*",
          100,
        ),
    );
    history.forget("#chan1");
    history.forgetOwner(ownerId({ name: "u8", created: 1 }));
    let rows = 0, steps = 0;
    time(`  a deletion step (budget ${DELETE_STEP_MS} ms)`, () => {
      rows += history.maintain();
      steps++;
    }, 20);
    console.log(`  deleting: ${(rows / steps).toFixed(0)} rows per step`);
    // the longest the event loop waits for a timer while a whole retention pass runs
    let longest = 0, last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 1);
    const passStarted = performance.now();
    const day = 24 * 3600 * 1000;
    // a 25-day age limit on a month that started at t0: the first two days go (~86,000 rows)
    const trimmed = await history.prune(
      { maxAgeMs: 25 * day, maxPerConversation: 400 },
      t0 + 27 * day,
    );
    clearInterval(ticker);
    console.log(
      `  retention pass (by age, then 400 per conversation): ${trimmed} deleted in ` +
        `${((performance.now() - passStarted) / 1000).toFixed(1)} s; the event loop waited ` +
        `at most ${longest.toFixed(1)} ms`,
    );
    await history.close();
    db.close();
  }

  // 2. Through a running server, with a file database, echo as the acknowledgement.
  const path = `${dir}/server.db`;
  const { process: server, port } = await ChatProcess.serve([
    "--db",
    path,
    "--no-flood-control",
    "--log-level",
    "info",
  ]);
  try {
    const sender = await TestClient.register(port, "sender", ["echo-message"]);
    await sender.send("JOIN #bench");
    await sender.expect("366");
    sender.discardLines();
    const base = sender.received;
    const started = performance.now();
    for (let sent = 0; sent < SERVER_MESSAGES; sent += 500) {
      const batch = Array.from({ length: 500 }, (_, i) => `PRIVMSG #bench :message ${sent + i}`);
      await sender.send(batch.join("\r\n"));
      await sender.until(() => sender.received - base >= sent - 1000, "echoes", 30_000);
    }
    await sender.until(() => sender.received - base >= SERVER_MESSAGES, "all echoes", 30_000);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `through the server: ${SERVER_MESSAGES} messages stored and echoed in ` +
        `${seconds.toFixed(2)} s = ${Math.round(SERVER_MESSAGES / seconds)} messages/s`,
    );

    // 3. A 1,000-line CHATHISTORY, request to end of batch.
    const reader = await TestClient.register(port, "reader", [
      "batch",
      "server-time",
      "draft/chathistory",
    ]);
    await reader.send("JOIN #bench");
    await reader.expect("366");
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await reader.send(`CHATHISTORY LATEST #bench * ${REPLAY_LINES}`);
      const start = await reader.expect("BATCH");
      const id = (start.params[0] ?? "").slice(1);
      await reader.expect((m) => m.command === "BATCH" && m.params[0] === `-${id}`, 30_000);
      times.push(performance.now() - t0);
    }
    console.log(
      `CHATHISTORY LATEST ${REPLAY_LINES} lines: median ${median(times)!.toFixed(1)} ms ` +
        `(min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)})`,
    );
    await sender.close();
    await reader.close();
  } finally {
    server.kill("SIGTERM");
    await server.finish();
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
