import assert from "node:assert/strict";
import { createLogger } from "../../server/log.ts";
import { nextMsgid } from "../../server/msgid.ts";
import { openDatabase } from "../../server/store/database.ts";
import { CHECKPOINT_QUIET_MS, CHECKPOINT_ROWS } from "../../server/store/checkpointer.ts";
import type { StoredMessage } from "../../server/store/history.ts";
import { SqliteHistory } from "../../server/store/sqlite_history.ts";

/** Real msgids (they carry their time) and the short names tests use for them. */
const names = new Map<string, string>();
const idOf = new Map<string, string>();
function msgid(name: string, time: number): string {
  const id = nextMsgid(time);
  names.set(id, name);
  idOf.set(name, id);
  return id;
}
/** `{ msgid }` reference to the message a test calls `name`. */
const ref = (name: string) => ({ msgid: idOf.get(name)! });

/** A history with messages m0..m{n-1} in #c at times 1000, 1010, … (two share time 1050). */
function fixture(n = 10) {
  const h = new SqliteHistory(openDatabase(":memory:"));
  const times = Array.from({ length: n }, (_, i) => 1000 + i * 10);
  if (n > 6) times[6] = times[5]!; // m5 and m6 at the same millisecond
  for (let i = 0; i < n; i++) {
    h.append("#c", {
      msgid: msgid(`m${i}`, times[i]!),
      time: times[i]!,
      target: "#c",
      source: "a!a@h",
      command: "PRIVMSG",
      text: `t${i}`,
    });
  }
  return h;
}

const ids = (ms: StoredMessage[]) => ms.map((m) => names.get(m.msgid) ?? m.msgid);

Deno.test("LATEST: the newest N, oldest first; after a reference", () => {
  const h = fixture();
  assert.deepEqual(ids(h.latest("#c", "*", 3)), ["m7", "m8", "m9"]);
  assert.deepEqual(ids(h.latest("#c", ref("m7"), 10)), ["m8", "m9"]);
  assert.deepEqual(ids(h.latest("#c", { time: 1070 }, 10)), ["m8", "m9"]);
  assert.deepEqual(ids(h.latest("#other", "*", 5)), []);
});

Deno.test("BEFORE and AFTER are exclusive of the reference, by msgid and by time", () => {
  const h = fixture();
  assert.deepEqual(ids(h.before("#c", ref("m4"), 2)), ["m2", "m3"]);
  assert.deepEqual(ids(h.before("#c", { time: 1040 }, 10)), ["m0", "m1", "m2", "m3"]);
  assert.deepEqual(ids(h.after("#c", ref("m4"), 2)), ["m5", "m6"]);
  assert.deepEqual(ids(h.after("#c", { time: 1070 }, 10)), ["m8", "m9"]);
  assert.deepEqual(ids(h.before("#c", { msgid: "nope" }, 5)), []);
  assert.deepEqual(ids(h.before("#c", { msgid: nextMsgid(1040) }, 5)), []); // well-formed, unknown
});

Deno.test("messages sharing a millisecond keep their order and are split correctly", () => {
  const h = fixture();
  assert.deepEqual(ids(h.after("#c", ref("m5"), 1)), ["m6"]);
  assert.deepEqual(ids(h.before("#c", ref("m6"), 1)), ["m5"]);
  // a timestamp equal to both: before excludes both, after excludes both
  assert.deepEqual(ids(h.before("#c", { time: 1050 }, 1)), ["m4"]);
  assert.deepEqual(ids(h.after("#c", { time: 1050 }, 1)), ["m7"]);
});

Deno.test("AROUND: half before, the reference and after it", () => {
  const h = fixture();
  assert.deepEqual(ids(h.around("#c", ref("m4"), 5)), ["m2", "m3", "m4", "m5", "m6"]);
  assert.deepEqual(ids(h.around("#c", ref("m0"), 3)), ["m0", "m1", "m2"]);
  assert.deepEqual(ids(h.around("#c", { time: 1045 }, 2)), ["m4", "m5"]);
});

Deno.test("BETWEEN in both directions, exclusive, limited from the first reference", () => {
  const h = fixture();
  assert.deepEqual(ids(h.between("#c", ref("m1"), ref("m5"), 10)), ["m2", "m3", "m4"]);
  assert.deepEqual(ids(h.between("#c", ref("m1"), ref("m5"), 2)), ["m2", "m3"]);
  assert.deepEqual(ids(h.between("#c", ref("m5"), ref("m1"), 2)), ["m3", "m4"]);
  assert.deepEqual(ids(h.between("#c", { time: 1005 }, { time: 1035 }, 10)), ["m1", "m2", "m3"]);
  assert.deepEqual(ids(h.between("#c", { time: 1035 }, { time: 1005 }, 10)), ["m1", "m2", "m3"]);
});

Deno.test("queries see messages appended in the same task (flushed first)", () => {
  const h = fixture(0);
  h.append("#c", {
    msgid: msgid("x", 1),
    time: 1,
    target: "#c",
    source: "s",
    command: "NOTICE",
    text: "n",
  });
  assert.deepEqual(ids(h.latest("#c", "*", 5)), ["x"]);
  assert.equal(h.count(), 1);
});

Deno.test("TARGETS lists the asker's channels and own private copies, newest first", () => {
  const h = fixture();
  const dm = (conversation: string, time: number, label: string) =>
    h.append(conversation, {
      msgid: msgid(`${conversation}@${time}`, time),
      time,
      target: "x",
      source: "alice!a@h",
      command: "PRIVMSG",
      text: "hi",
    }, label);
  dm("~alice@1 bob", 2000, "Bob");
  dm("~alice@1 bob", 3000, "Bob");
  dm("~bob@1 alice", 2500, "Alice"); // bob's copy: never alice's
  dm("#other", 2600, "");
  const alice = { channels: [{ key: "#c", name: "#C" }], owner: "alice@1" };
  assert.deepEqual(h.targets(alice, 0, 5000, 10).map((t) => [t.target, t.latest]), [
    ["Bob", 3000],
    ["#C", 1090],
  ]);
  // the newest message inside the window, not the conversation's newest
  assert.deepEqual(h.targets(alice, 1500, 2500, 10).map((t) => [t.target, t.latest]), [
    ["Bob", 2000],
  ]);
  assert.deepEqual(h.targets(alice, 0, 5000, 1).map((t) => t.target), ["Bob"]);
  const anonymous = { channels: [{ key: "#c", name: "#c" }], owner: undefined };
  assert.deepEqual(h.targets(anonymous, 0, 5000, 10).map((t) => t.target), ["#c"]);
});

Deno.test("forget deletes a conversation a bounded step at a time; forgetOwner an account's", () => {
  const h = fixture(0);
  for (let i = 0; i < 2500; i++) {
    h.append("#dead 1", {
      msgid: msgid(`d${i}`, 10 + i),
      time: 10 + i,
      target: "#dead",
      source: "s",
      command: "PRIVMSG",
      text: "t",
    });
  }
  h.append("~alice@1 bob", {
    msgid: msgid("p", 5),
    time: 5,
    target: "bob",
    source: "s",
    command: "PRIVMSG",
    text: "secret",
  }, "bob");
  h.append("#alive", {
    msgid: msgid("a", 5),
    time: 5,
    target: "#alive",
    source: "s",
    command: "PRIVMSG",
    text: "t",
  });
  h.forget("#dead 1");
  h.forgetOwner("alice@1");
  const first = h.maintain(0);
  assert.ok(first > 0 && first < 100, `a step with no time left deletes one chunk: ${first}`);
  let deleted = first;
  while (h.maintaining) deleted += h.maintain();
  assert.equal(deleted, 2501);
  assert.deepEqual(ids(h.latest("#dead 1", "*", 10)), []);
  assert.deepEqual(ids(h.latest("~alice@1 bob", "*", 10)), []);
  assert.deepEqual(h.targets({ channels: [], owner: "alice@1" }, 0, 1e9, 10), []);
  assert.equal(h.count(), 1, "#alive is untouched");
});

Deno.test("retention prunes by age and by count per conversation", async () => {
  const h = fixture();
  assert.equal(await h.prune({ maxAgeMs: 0, maxPerConversation: 4 }, 0), 6);
  assert.deepEqual(ids(h.latest("#c", "*", 10)), ["m6", "m7", "m8", "m9"]);
  assert.equal(await h.prune({ maxAgeMs: 25, maxPerConversation: 0 }, 1100), 2);
  assert.deepEqual(ids(h.latest("#c", "*", 10)), ["m8", "m9"]);
});

Deno.test("client tags and account survive; many messages in one batch keep their order", () => {
  const h = fixture(0);
  const m: StoredMessage = {
    msgid: nextMsgid(5),
    time: 5,
    target: "#c",
    source: "s",
    account: "acct",
    command: "PRIVMSG",
    text: "x",
    tags: { "+react": "👍" },
  };
  h.append("#c", m);
  for (let i = 0; i < 40; i++) { // more than one multi-row INSERT
    h.append("#c", {
      ...m,
      msgid: nextMsgid(6 + i),
      time: 6 + i,
      text: `n${i}`,
      tags: undefined,
      account: undefined,
    });
  }
  const all = h.latest("#c", "*", 100);
  assert.deepEqual(all[0], m);
  assert.deepEqual(all.slice(1).map((x) => x.text), Array.from({ length: 40 }, (_, i) => `n${i}`));
});

Deno.test("a row SQLite refuses is dropped and logged; the rest of its batch is stored once", () => {
  const logged: string[] = [];
  const h = new SqliteHistory(openDatabase(":memory:"), {
    log: createLogger("debug", (line) => logged.push(line)),
  });
  for (let i = 0; i < 40; i++) { // the bad row sits inside a multi-row INSERT, after good rows
    h.append(`#c${i % 7}`, {
      msgid: nextMsgid(10 + i),
      time: 10 + i,
      target: `#c${i % 7}`,
      source: "s",
      command: "PRIVMSG",
      text: (i === 20 ? null : `n${i}`) as string, // NOT NULL column
    });
  }
  assert.equal(h.flush(), true, "never thrown, never retried forever");
  assert.equal(h.count(), 39);
  const texts = Array.from({ length: 7 }, (_, c) => h.latest(`#c${c}`, "*", 100)).flat()
    .map((m) => m.text).sort();
  const expected = Array.from({ length: 40 }, (_, i) => `n${i}`).filter((t) => t !== "n20");
  assert.deepEqual(texts, expected.sort());
  assert.equal(logged.length, 1);
  assert.match(logged[0]!, /history: 1 messages could not be stored: NOT NULL constraint failed/);
});

Deno.test("a version-1 database is migrated with its messages", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/old.db`;
    const { DatabaseSync } = await import("node:sqlite");
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL UNIQUE,
      time INTEGER NOT NULL, conversation TEXT NOT NULL, target TEXT NOT NULL,
      source TEXT NOT NULL, account TEXT, command TEXT NOT NULL, text TEXT NOT NULL, tags TEXT);
      CREATE TABLE accounts (name TEXT PRIMARY KEY, display TEXT NOT NULL, salt BLOB NOT NULL,
      hash BLOB NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE channels (name TEXT PRIMARY KEY, display TEXT NOT NULL, founder TEXT NOT NULL,
      topic TEXT, topic_by TEXT, topic_at INTEGER, modes TEXT NOT NULL, channel_key TEXT,
      user_limit INTEGER, bans TEXT NOT NULL, created INTEGER NOT NULL);
      INSERT INTO messages (msgid, time, conversation, target, source, command, text)
        VALUES ('${nextMsgid(7)}', 7, '#c', '#c', 's', 'PRIVMSG', 'kept');
      PRAGMA user_version = 1;`);
    old.close();
    const h = new SqliteHistory(openDatabase(path));
    assert.deepEqual(h.latest("#c", "*", 5).map((m) => m.text), ["kept"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a conversation found empty is not empty any more once a message is appended", () => {
  const h = new SqliteHistory(openDatabase(":memory:"));
  assert.deepEqual(h.latest("#quiet", "*", 30), []);
  assert.deepEqual(h.latest("#quiet", "*", 30), []);
  h.append("#quiet", {
    msgid: msgid("q0", 5000),
    time: 5000,
    target: "#quiet",
    source: "a!a@h",
    command: "PRIVMSG",
    text: "finally",
  });
  assert.deepEqual(ids(h.latest("#quiet", "*", 30)), ["q0"]);
});

Deno.test("the WAL is checkpointed off the main thread after a quiet moment, or after many rows", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/h.db`;
  const size = () => Deno.statSync(path).size;
  const h = new SqliteHistory(openDatabase(path));
  try {
    const put = (n: number) => {
      for (let i = 0; i < n; i++) {
        h.append("#c", {
          msgid: nextMsgid(i),
          time: i,
          target: "#c",
          source: "a!a@h",
          command: "PRIVMSG",
          text: "x".repeat(200),
        });
      }
      h.flush();
    };
    const empty = size();
    put(100);
    assert.equal(size(), empty, "committed to the WAL only, not yet copied back");
    const deadline = Date.now() + CHECKPOINT_QUIET_MS + 5000;
    while (size() === empty) {
      assert.ok(Date.now() < deadline, "no checkpoint after a quiet second");
      await new Promise((r) => setTimeout(r, 50));
    }
    const quiet = size();
    put(CHECKPOINT_ROWS);
    // a long busy stretch checkpoints at once, in the Worker, while the writer goes on
    const busy = Date.now() + 10_000;
    while (size() < quiet + CHECKPOINT_ROWS * 200) {
      assert.ok(Date.now() < busy, "no checkpoint after a long busy stretch");
      await new Promise((r) => setTimeout(r, 20));
    }
    put(10);
    await h.close(); // commits, stops checkpointing
    assert.equal(h.count(), 100 + CHECKPOINT_ROWS + 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
