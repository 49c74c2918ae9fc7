/**
 * History figures (`deno task bench:history`): how fast messages are stored, by the store alone
 * and through a running server; how long a 1,000-line CHATHISTORY takes to arrive; how big the
 * database is per 100,000 messages. Loopback only, bounded counts.
 */

import { SqliteHistory } from "../server/store/history.ts";
import { openDatabase } from "../server/store/database.ts";
import { TestClient } from "../tests/helpers/irc_client.ts";
import { ChatProcess } from "../tests/helpers/process.ts";

const STORE_MESSAGES = 100_000;
const SERVER_MESSAGES = 20_000;
const REPLAY_LINES = 1000;

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
      const id = start.params[0].slice(1);
      await reader.expect((m) => m.command === "BATCH" && m.params[0] === `-${id}`, 30_000);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    console.log(
      `CHATHISTORY LATEST ${REPLAY_LINES} lines: median ${times[2].toFixed(1)} ms ` +
        `(min ${times[0].toFixed(1)}, max ${times[4].toFixed(1)})`,
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
