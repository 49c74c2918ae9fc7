/**
 * The history writer facing a database it cannot write (issue 17, item 4): another connection
 * holds the write lock (a real SQLite file lock, on a file in a temporary directory). Rows stay
 * queued and are stored once the lock is gone; waiting for them is bounded in time and in rows;
 * an outage is logged once when it starts and once when it ends.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { createLogger } from "../../server/log.ts";
import { nextMsgid } from "../../server/msgid.ts";
import { ownerId, privateKey } from "../../server/store/conversations.ts";
import { openDatabase } from "../../server/store/database.ts";
import { SqliteHistory, type SqliteHistoryOptions } from "../../server/store/sqlite_history.ts";
import type { OutageLimits } from "../../server/store/outage.ts";
import { waitUntil } from "../helpers/wait.ts";

interface Fixture {
  history: SqliteHistory;
  /** Another connection to the same file, for holding its write lock. */
  other: DatabaseSync;
  logged: string[];
  append(text: string): void;
  /** Rows in the file, as another connection sees them. */
  stored(): string[];
}

async function withHistory(
  limits: Partial<OutageLimits>,
  run: (f: Fixture) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-outage-" });
  const logged: string[] = [];
  const options: SqliteHistoryOptions = {
    log: createLogger("info", (line) => logged.push(line)),
    limits,
  };
  const db = openDatabase(`${dir}/h.db`);
  const history = new SqliteHistory(db, options);
  const other = new DatabaseSync(`${dir}/h.db`);
  let t = 1_000_000;
  try {
    await run({
      history,
      other,
      logged,
      append(text) {
        t++;
        history.append("#c", {
          msgid: nextMsgid(t),
          time: t,
          target: "#c",
          source: "a!a@h",
          command: "PRIVMSG",
          text,
        });
      },
      stored: () =>
        (other.prepare("SELECT text FROM messages ORDER BY id").all() as { text: string }[])
          .map((r) => r.text),
    });
  } finally {
    if (other.isTransaction) other.exec("ROLLBACK");
    await history.close();
    other.close();
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a commit that meets a lock keeps its rows and stores them all once the lock is gone", async () => {
  await withHistory({ holdMs: 60_000 }, async (f) => {
    f.append("m0");
    assert.equal(f.history.flush(), true);
    f.other.exec("BEGIN IMMEDIATE");
    f.append("m1");
    f.append("m2");
    const waiting = f.history.flush();
    assert.ok(waiting instanceof Promise, "an echo or a PONG waits for the commit");
    for (let i = 3; i < 10; i++) f.append(`m${i}`); // queued behind them, nothing thrown
    assert.equal(f.history.flush(), waiting, "everybody waits for the same thing");
    assert.equal(f.history.outageEpisode, 0, "still waiting: nobody is told anything yet");
    assert.deepEqual(f.history.latest("#c", "*", 10).map((m) => m.text), ["m0"]);
    assert.equal(f.logged.length, 1, "the outage is logged when it starts");
    f.other.exec("ROLLBACK");
    assert.equal(await waiting, true);
    assert.deepEqual(f.stored(), Array.from({ length: 10 }, (_, i) => `m${i}`), "in order");
    assert.equal(f.history.flush(), true);
    assert.equal(f.logged.length, 2, f.logged.join("\n"));
    assert.match(
      f.logged[0]!,
      /warn {2}history: cannot store messages \(database is locked\): keeping them queued/,
    );
    assert.match(f.logged[1]!, /history: storing again after [\d.]+ s and \d+ attempts: 9 queued/);
    assert.match(f.logged[1]!, /9 queued messages stored, 0 not stored$/);
  });
});

Deno.test("past the hold, waiting ends (false) and senders are to be told; rows are still stored", async () => {
  await withHistory({ holdMs: 50 }, async (f) => {
    f.other.exec("BEGIN IMMEDIATE");
    f.append("a");
    const waiting = f.history.flush();
    assert.ok(waiting instanceof Promise);
    assert.equal(await waiting, false);
    const episode = f.history.outageEpisode;
    assert.ok(episode > 0, "senders are told about this outage");
    assert.equal(f.history.flush(), false, "no more waiting during this outage");
    f.append("b");
    f.other.exec("ROLLBACK");
    await waitUntil(() => f.history.outageEpisode === 0, "the outage ends");
    assert.deepEqual(f.stored(), ["a", "b"]);
    // a second outage is another episode: everybody is told again
    f.other.exec("BEGIN IMMEDIATE");
    f.append("c");
    assert.equal(await f.history.flush(), false);
    assert.ok(f.history.outageEpisode > episode);
    f.other.exec("ROLLBACK");
    await waitUntil(() => f.history.outageEpisode === 0, "the second outage ends");
    assert.equal(f.logged.length, 4, "two lines per outage");
  });
});

Deno.test("the queue is bounded: past it messages are not stored (counted), and waiting ends", async () => {
  await withHistory({ holdMs: 60_000, maxRows: 10 }, async (f) => {
    f.other.exec("BEGIN IMMEDIATE");
    f.append("q0");
    const waiting = f.history.flush();
    for (let i = 1; i < 15; i++) f.append(`q${i}`);
    assert.equal(await waiting, false, "a full queue ends the wait at once");
    f.other.exec("ROLLBACK");
    await waitUntil(() => f.history.outageEpisode === 0, "the outage ends");
    assert.deepEqual(f.stored(), Array.from({ length: 10 }, (_, i) => `q${i}`), "the oldest kept");
    assert.match(f.logged[1]!, /10 queued messages stored, 5 not stored$/);
  });
});

Deno.test("a queue bigger than one batch is stored in several commits, in order", async () => {
  await withHistory({ holdMs: 60_000 }, async (f) => {
    f.other.exec("BEGIN IMMEDIATE");
    f.append("r0");
    const waiting = f.history.flush();
    for (let i = 1; i < 5000; i++) f.append(`r${i}`);
    f.other.exec("ROLLBACK");
    assert.equal(await waiting, true);
    const stored = f.stored();
    assert.equal(stored.length, 5000);
    assert.deepEqual(stored.slice(-3), ["r4997", "r4998", "r4999"]);
  });
});

Deno.test("closing during an outage stores what it can, and says what it could not", async () => {
  await withHistory({ holdMs: 60_000 }, async (f) => {
    f.other.exec("BEGIN IMMEDIATE");
    f.append("late");
    const waiting = f.history.flush();
    f.other.exec("ROLLBACK");
    await f.history.close(); // before any retry ran
    assert.equal(await waiting, true);
    assert.deepEqual(f.stored(), ["late"]);
    assert.match(f.logged.at(-1)!, /storing again .*: 1 queued messages stored/);
  });
});

Deno.test("a private conversation written during an outage is listed by TARGETS once stored", async () => {
  await withHistory({ holdMs: 60_000 }, async (f) => {
    const owner = ownerId({ name: "alice", created: 1 });
    const key = privateKey(owner, { account: "bob" });
    f.other.exec("BEGIN IMMEDIATE");
    f.append("filler");
    const waiting = f.history.flush();
    for (let i = 0; i < 3000; i++) f.append(`more ${i}`); // the queue takes two batches
    f.history.append(key, {
      msgid: nextMsgid(2_000_000),
      time: 2_000_000,
      target: "bob",
      source: "alice!a@h",
      command: "PRIVMSG",
      text: "psst",
    }, "bob");
    f.other.exec("ROLLBACK");
    assert.equal(await waiting, true);
    const listed = f.history.targets({ channels: [], owner }, 0, 3_000_000, 10);
    assert.deepEqual(listed.map((t) => [t.conversation, t.target]), [[key, "bob"]]);
    assert.deepEqual(f.history.latest(key, "*", 5).map((m) => m.text), ["psst"]);
  });
});

Deno.test("a conversation forgotten during an outage: its queued rows are stored, then deleted", async () => {
  await withHistory({ holdMs: 60_000 }, async (f) => {
    const life = "#gone 0life";
    const put = (text: string) =>
      f.history.append(life, {
        msgid: nextMsgid(3_000_000),
        time: 3_000_000,
        target: "#gone",
        source: "a!a@h",
        command: "PRIVMSG",
        text,
      });
    put("kept before");
    assert.equal(f.history.flush(), true);
    f.other.exec("BEGIN IMMEDIATE");
    put("queued");
    const waiting = f.history.flush();
    f.history.forget(life);
    f.other.exec("ROLLBACK");
    // the lock is gone, the queued row not yet stored: deleting now would leave it behind
    assert.equal(f.history.maintain(), 0, "nothing is deleted before the queue is stored");
    assert.equal(await waiting, true);
    while (f.history.maintaining) f.history.maintain();
    assert.deepEqual(f.history.latest(life, "*", 10), []);
    // another process's lock alone (nothing queued): deletions wait, nothing is thrown
    put("again");
    f.history.flush();
    f.history.forget(life);
    f.other.exec("BEGIN IMMEDIATE");
    assert.equal(f.history.maintain(), 0);
    f.other.exec("ROLLBACK");
  });
});
