/**
 * History ownership across restarts, with the real `main.ts` (issue 17, items 1 and 2): a
 * database written by an older chat loses the private messages it filed under nicknames, with a
 * log line; permanent and registered channels keep their history over a restart, every other
 * channel starts empty and its old rows are deleted.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { waitUntil } from "../helpers/wait.ts";

const CAPS = ["batch", "server-time", "message-tags", "draft/chathistory"];

async function stop(server: ChatProcess): Promise<void> {
  server.kill("SIGTERM");
  assert.equal((await server.finish()).code, 0);
}

/** The texts of a CHATHISTORY LATEST reply, read up to the end of its batch. */
async function latest(client: TestClient, target: string): Promise<string[]> {
  await client.send(`CHATHISTORY LATEST ${target} * 50`);
  const start = await client.expect("BATCH");
  const id = start.params[0]!.slice(1);
  const found: string[] = [];
  for (;;) {
    const m = await client.expect((m) => m.tags?.batch === id || m.command === "BATCH");
    if (m.command === "BATCH") return found;
    found.push(m.params[1]!);
  }
}

function rows(db: string, where: string): number {
  const check = new DatabaseSync(db);
  try {
    return (check.prepare(`SELECT COUNT(*) AS n FROM messages WHERE ${where}`).get() as {
      n: number;
    }).n;
  } finally {
    check.close();
  }
}

Deno.test("an old database: private rows filed under nicknames are dropped, with a log line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-" });
  const db = `${dir}/chat.db`;
  try {
    // the schema chat 0.1.0 wrote (version 2), with two nick-keyed private rows
    const old = new DatabaseSync(db);
    old.exec(`CREATE TABLE messages (id INTEGER PRIMARY KEY, msgid TEXT NOT NULL,
        time INTEGER NOT NULL, conversation TEXT NOT NULL, target TEXT NOT NULL,
        source TEXT NOT NULL, account TEXT, command TEXT NOT NULL, text TEXT NOT NULL, tags TEXT);
      CREATE INDEX messages_by_conversation ON messages (conversation, time, id);
      CREATE INDEX messages_by_time ON messages (time);
      CREATE TABLE accounts (name TEXT PRIMARY KEY, display TEXT NOT NULL, salt BLOB NOT NULL,
        hash BLOB NOT NULL, created INTEGER NOT NULL);
      CREATE TABLE channels (name TEXT PRIMARY KEY, display TEXT NOT NULL, founder TEXT NOT NULL,
        topic TEXT, topic_by TEXT, topic_at INTEGER, modes TEXT NOT NULL, channel_key TEXT,
        user_limit INTEGER, bans TEXT NOT NULL, created INTEGER NOT NULL);
      PRAGMA user_version = 2;`);
    const insert = old.prepare(
      `INSERT INTO messages (msgid, time, conversation, target, source, command, text)
       VALUES (?, ?, ?, ?, ?, 'PRIVMSG', ?)`,
    );
    const now = Date.now();
    insert.run("a1", now - 3000, "alice bob", "bob", "alice!a@h", "a secret");
    insert.run("a2", now - 2000, "alice bob", "alice", "bob!b@h", "another");
    insert.run("l1", now - 1000, "#lobby", "#lobby", "alice!a@h", "hello lobby");
    old.close();

    const { process: server, port } = await ChatProcess.serve(["--db", db]);
    // logged before "listening", which serve() waited for
    assert.ok(
      server.log.some((l) => /history: dropped 2 private messages filed under nick/.test(l)),
    );
    const mallory = await TestClient.register(port, "alice", CAPS);
    assert.deepEqual(await latest(mallory, "bob"), []);
    await mallory.send("JOIN #lobby");
    await mallory.expect("366");
    assert.deepEqual(await latest(mallory, "#lobby"), ["hello lobby"], "#lobby is permanent");
    await mallory.close();
    await stop(server);
    assert.equal(rows(db, "conversation NOT LIKE '#%'"), 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("over a restart, permanent channels keep their history and others start empty", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-" });
  const db = `${dir}/chat.db`;
  const args = ["--db", db, "--permanent-channel", "#lobby", "--permanent-channel", "#ops"];
  try {
    let { process: server, port } = await ChatProcess.serve(args);
    const alice = await TestClient.register(port, "alice", CAPS);
    for (const c of ["#lobby", "#ops", "#tmp"]) {
      await alice.send(`JOIN ${c}`);
      await alice.expect("366");
      await alice.send(`PRIVMSG ${c} :said in ${c}`);
    }
    assert.deepEqual(await latest(alice, "#tmp"), ["said in #tmp"]);
    await alice.close();
    await stop(server);

    ({ process: server, port } = await ChatProcess.serve(args));
    // logged at start, before or just after the "listening" line
    const deleting = /history: deleting 1 conversations nobody may/;
    if (!server.log.some((l) => deleting.test(l))) await server.waitFor(deleting);
    const bob = await TestClient.register(port, "bob", CAPS);
    for (const c of ["#lobby", "#ops", "#tmp"]) {
      await bob.send(`JOIN ${c}`);
      await bob.expect("366");
    }
    assert.deepEqual(await latest(bob, "#lobby"), ["said in #lobby"]);
    assert.deepEqual(await latest(bob, "#ops"), ["said in #ops"]);
    assert.deepEqual(await latest(bob, "#tmp"), []);
    await waitUntil(() => rows(db, "conversation LIKE '#tmp%'") === 0, "#tmp's rows are deleted");
    await bob.close();
    await stop(server);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
