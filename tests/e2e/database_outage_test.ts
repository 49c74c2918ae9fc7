/**
 * The real server process against a database it cannot always use (issue 17, item 4): another
 * process holds the write lock while clients chat (the server stays up and stores everything once
 * the lock is gone); the lock outlasts the hold (senders are told); a damaged file, or one that is
 * not a database, is refused at start with one line and exit status 65.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { parseMessage } from "../../protocol/message.ts";
import { nextMsgid } from "../../server/msgid.ts";
import { openDatabase } from "../../server/store/database.ts";
import { SqliteHistory } from "../../server/store/sqlite_history.ts";
import { DatabaseLock } from "../helpers/db_lock.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

/** Texts of the channel messages stored in the database file, in order. */
function storedTexts(path: string, channel: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare("SELECT text FROM messages WHERE target = ? ORDER BY id").all(channel) as {
      text: string;
    }[]).map((r) => r.text);
  } finally {
    db.close();
  }
}

function privmsgTexts(c: TestClient, channel: string): string[] {
  return c.lines.map((l) => parseMessage(l)!).filter((m) =>
    m.command === "PRIVMSG" && m.params[0] === channel
  ).map((m) => m.params[1]!);
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-outage-" });
  try {
    await run(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("another process holds the write lock: nobody is cut off, and it is all stored after", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const { process: server, port } = await ChatProcess.serve([
      "--db",
      path,
      "--no-flood-control",
      "--history-hold",
      "60", // longer than the test: echoes and PONGs wait for the lock, however slow the machine
    ]);
    const alice = await TestClient.register(port, "alice", ["echo-message"]);
    const bob = await TestClient.register(port, "bob");
    try {
      for (const c of [alice, bob]) {
        await c.send("JOIN #c");
        await c.expect("366");
      }
      await alice.expectLine((l) => l.startsWith(":bob!") && l.includes(" JOIN "));
      const lock = await DatabaseLock.hold(path);
      let released = false;
      try {
        // a while of chat, in rounds, each waiting for the other side
        for (let round = 0; round < 5; round++) {
          await alice.send(
            Array.from({ length: 4 }, (_, i) => `PRIVMSG #c :a${round * 4 + i}`).join("\r\n"),
          );
          await bob.send(
            Array.from({ length: 4 }, (_, i) => `PRIVMSG #c :b${round * 4 + i}`).join("\r\n"),
          );
          await bob.until(
            () => privmsgTexts(bob, "#c").length === (round + 1) * 4,
            `bob got alice's round ${round} live`,
          );
        }
        await server.waitFor(/history: cannot store messages \(database is locked\)/);
        await bob.send("PING stored?");
        // bob's own messages are delivered; what waits is what would mean "stored"
        assert.equal(privmsgTexts(alice, "#c").length, 0, "alice's echoes wait for the commit");
        assert.ok(!bob.lines.some((l) => l.includes("PONG")), "bob's PONG waits for the commit");
        await lock.release();
        released = true;
      } finally {
        if (!released) await lock.release();
      }
      await bob.expect((m) => m.command === "PONG" && m.params[1] === "stored?");
      const stored = storedTexts(path, "#c");
      assert.equal(stored.length, 40, "every message sent while the lock was held is stored");
      for (let i = 0; i < 20; i++) {
        assert.ok(stored.includes(`a${i}`) && stored.includes(`b${i}`), `a${i} and b${i}`);
      }
      await alice.until(
        () => privmsgTexts(alice, "#c").length === 40,
        "alice got echoes and bob's",
      );
      const mine = privmsgTexts(alice, "#c").filter((t) => t.startsWith("a"));
      assert.deepEqual(mine, Array.from({ length: 20 }, (_, i) => `a${i}`), "her echoes, in order");
      await server.waitFor(/history: storing again after [\d.]+ s and \d+ attempts: 40 queued/);
      assert.ok(
        !alice.lines.concat(bob.lines).some((l) => l.includes("cannot store")),
        "nobody was told anything: the lock went before the hold ran out",
      );
      // the server is up and both are still connected
      await alice.sync();
      await bob.sync();
      assert.equal(server.log.filter((l) => l.includes("history: cannot store")).length, 1);
    } finally {
      await alice.close();
      await bob.close();
      server.kill("SIGTERM");
      const { code } = await server.finish();
      assert.equal(code, 0);
    }
  });
});

Deno.test("no echo-message client: the timed commit meets the lock, and the server stays up", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/chat.db`;
    // no client forces a commit before writing to it: the queue's own timer meets the lock
    const { process: server, port } = await ChatProcess.serve(["--db", path, "--no-flood-control"]);
    const bob = await TestClient.register(port, "bob");
    const carol = await TestClient.register(port, "carol");
    try {
      for (const c of [bob, carol]) {
        await c.send("JOIN #quiet");
        await c.expect("366");
      }
      await bob.sync();
      const lock = await DatabaseLock.hold(path);
      try {
        await bob.send("PRIVMSG #quiet :while locked");
        await carol.expectLine((l) => l.endsWith("PRIVMSG #quiet :while locked"));
        await server.waitFor(/history: cannot store messages \(database is locked\)/);
      } finally {
        await lock.release();
      }
      await server.waitFor(/history: storing again after .*: 1 queued messages stored/);
      assert.deepEqual(storedTexts(path, "#quiet"), ["while locked"]);
      for (const c of [bob, carol]) await c.sync();
    } finally {
      for (const c of [bob, carol]) await c.close();
      server.kill("SIGTERM");
      assert.equal((await server.finish()).code, 0);
    }
  });
});

Deno.test("a lock held past the hold: senders are told, echoes and PONGs go; all stored after", async () => {
  await withDir(async (dir) => {
    const path = `${dir}/chat.db`;
    const { process: server, port } = await ChatProcess.serve([
      "--db",
      path,
      "--no-flood-control",
      "--history-hold",
      "0.3",
    ]);
    const alice = await TestClient.register(port, "alice", ["echo-message"]);
    const bob = await TestClient.register(port, "bob");
    const carol = await TestClient.register(port, "carol");
    const notStored = (l: string) => l.includes("cannot store messages right now");
    try {
      for (const c of [alice, bob, carol]) {
        await c.send("JOIN #c");
        await c.expect("366");
      }
      await alice.sync();
      const lock = await DatabaseLock.hold(path);
      let released = false;
      try {
        await alice.send("PRIVMSG #c :x1");
        await bob.send("PRIVMSG #c :y1");
        await carol.expectLine((l) => l.endsWith("PRIVMSG #c :y1"));
        // the hold runs out: alice's echo goes, after the NOTICE
        const notice = await alice.expectLine(notStored);
        const echo = await alice.expectLine((l) => l.endsWith("PRIVMSG #c :x1"));
        assert.ok(alice.lines.indexOf(notice) < alice.lines.indexOf(echo), "told before the echo");
        // bob sends on: told once
        await bob.send("PRIVMSG #c :y2");
        await bob.expectLine(notStored);
        await bob.send("PRIVMSG #c :y3");
        await bob.sync();
        assert.equal(bob.lines.filter(notStored).length, 1, "once per outage");
        // carol only asks for a PONG: she is told before it
        await carol.send("PING durable");
        await carol.expect((m) => m.command === "PONG" && m.params[1] === "durable");
        const told = carol.lines.findIndex(notStored);
        const pong = carol.lines.findIndex((l) => l.includes(" PONG ") && l.endsWith("durable"));
        assert.ok(told >= 0 && told < pong, "told before the PONG");
        await lock.release();
        released = true;
      } finally {
        if (!released) await lock.release();
      }
      await server.waitFor(/history: storing again after .*: 4 queued messages stored, 0 not/);
      assert.deepEqual(storedTexts(path, "#c").sort(), ["x1", "y1", "y2", "y3"]);
      for (const c of [alice, bob, carol]) await c.sync();
    } finally {
      for (const c of [alice, bob, carol]) await c.close();
      server.kill("SIGTERM");
      assert.equal((await server.finish()).code, 0);
    }
  });
});

/** A database with some history, checkpointed into its file (no WAL left). */
async function databaseWithHistory(path: string): Promise<void> {
  const db = openDatabase(path);
  const history = new SqliteHistory(db);
  for (let i = 0; i < 20_000; i++) {
    history.append(`#c${i % 50}`, {
      msgid: nextMsgid(1_000_000 + i),
      time: 1_000_000 + i,
      target: `#c${i % 50}`,
      source: "a!a@h",
      command: "PRIVMSG",
      text: `message ${i}`,
    });
  }
  await history.close();
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
}

/** Overwrites whole pages of a file with garbage (the same garbage every run). */
function overwritePages(path: string, pages: number[], pageSize = 4096): void {
  const garbage = Uint8Array.from({ length: pageSize }, (_, i) => (i * 131 + 7) & 0xff);
  const file = Deno.openSync(path, { read: true, write: true });
  try {
    for (const page of pages) {
      file.seekSync(page * pageSize, Deno.SeekMode.Start);
      file.writeSync(garbage);
    }
  } finally {
    file.close();
  }
}

Deno.test("a damaged database, or a file that is not one, is refused at start: one line, status 65", async () => {
  await withDir(async (dir) => {
    const damaged = `${dir}/damaged.db`;
    await databaseWithHistory(damaged);
    assert.ok(Deno.statSync(damaged).size > 101 * 4096, "big enough to damage page 100");
    overwritePages(damaged, [10, 50, 100]);
    const junk = `${dir}/junk.db`;
    Deno.writeFileSync(junk, Uint8Array.from({ length: 8192 }, (_, i) => (i * 37 + 11) & 0xff));
    const cases: [string, RegExp][] = [
      [
        damaged,
        /^error: database \S+damaged\.db is damaged \(.+\); restore a backup, or move the file away/,
      ],
      [junk, /^error: \S+junk\.db is not an SQLite database \(file is not a database\)/],
    ];
    for (const [path, expected] of cases) {
      const { code, stderr } = await ChatProcess.start(["serve", "--port", "0", "--db", path])
        .finish();
      const lines = stderr.trim().split("\n");
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, expected);
      assert.equal(code, 65, "EX_DATAERR: chat.service does not restart on it");
    }
  });
});
