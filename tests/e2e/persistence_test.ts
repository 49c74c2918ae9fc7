/**
 * The real server process is stopped and started again on the same database: accounts, history
 * and registered channels survive. Then it is killed with SIGKILL in the middle of a burst: the
 * database is intact and every message whose echo a client received is in it; and right after a
 * PONG: everything sent before the PING is in it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { parseMessage } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { ChatProcess } from "../../scripts/support/process.ts";

const MODERN = ["batch", "server-time", "message-tags", "draft/chathistory", "sasl"];

async function stop(server: ChatProcess): Promise<void> {
  server.kill("SIGTERM");
  assert.equal((await server.finish()).code, 0);
}

Deno.test("accounts, history and registered channels survive a restart", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-" });
  const db = `${dir}/chat.db`;
  try {
    // --- first run: register, chat, register a channel
    let { process: server, port } = await ChatProcess.serve(["--db", db]);
    const alice = await TestClient.register(port, "alice");
    const bob = await TestClient.register(port, "bob");
    await alice.send("NS REGISTER wonderland");
    await alice.expectLine((l) => l.includes("registered; you are logged in"));
    await alice.send("JOIN #keep");
    await alice.expect("366");
    await bob.send("JOIN #keep");
    await bob.expect("366");
    await alice.send("CS REGISTER #keep");
    await alice.expectLine((l) => l.includes("#keep is registered to alice"));
    await alice.send("TOPIC #keep :Survives restarts");
    await alice.send("MODE #keep +m");
    await alice.send("MODE #keep +v bob");
    // +m is on: bob may speak once his +v has been applied
    await bob.expect((m) => m.command === "MODE" && m.params[1] === "+v");
    for (let i = 0; i < 5; i++) await bob.send(`PRIVMSG #keep :before restart ${i}`);
    await bob.send("PRIVMSG alice :a private word");
    await bob.sync();
    await alice.close();
    await bob.close();
    await stop(server);

    // --- second run on the same file
    ({ process: server, port } = await ChatProcess.serve(["--db", db, "--nick-grace", "1"]));
    const again = await TestClient.connect(port);
    await again.send("CAP LS 302");
    await again.send(`CAP REQ :${MODERN.join(" ")}`);
    await again.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
    await again.send("AUTHENTICATE PLAIN");
    await again.expect("AUTHENTICATE");
    await again.send(`AUTHENTICATE ${btoa("\0alice\0wonderland")}`);
    await again.expect("903");
    await again.send("NICK alice");
    await again.send("USER a 0 * :Alice");
    await again.send("CAP END");
    await again.expect("001");
    await again.send("JOIN #keep");
    assert.equal((await again.expect("332")).params[2], "Survives restarts");
    const names = await again.expect("353");
    assert.equal(names.params[3], "@alice", "the founder is opped again");
    await again.send("MODE #keep");
    assert.equal((await again.expect("324")).params[2], "+mnt");
    await again.send("CHATHISTORY LATEST #keep * 10");
    await again.expect("BATCH");
    for (let i = 0; i < 5; i++) {
      assert.equal((await again.expect("PRIVMSG")).params[1], `before restart ${i}`);
    }
    await again.send("CHATHISTORY LATEST bob * 10");
    await again.expect("BATCH");
    assert.deepEqual((await again.expect("PRIVMSG")).params, ["alice", "a private word"]);

    // someone else taking the registered nick is renamed after the grace period
    const thief = await TestClient.connect(port);
    await thief.send("NICK alice_");
    await thief.send("USER t 0 * :T");
    await thief.expect("001");
    await again.send("NICK alice2");
    await again.expect("NICK");
    await thief.send("NICK alice");
    await thief.expect("NICK");
    await thief.expectLine((l) => l.includes("NickServ") && l.includes("is registered"));
    const renamed = await thief.expect("NICK", 5000);
    assert.match(renamed.params[0]!, /^Guest\d+$/);

    // a plain-text user gets the last lines replayed with their times
    const nc = await TestClient.connect(port);
    await nc.send("carol");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await nc.send("/join #keep");
    await nc.expectLine((l) => l.includes("History of #keep"));
    await nc.expectLine((l) => /^\[\d\d:\d\d\] <bob> before restart 4$/.test(l));
    for (const c of [again, thief, nc]) await c.close();
    await stop(server);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SIGKILL mid-burst: the database is intact and holds every echoed message", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-" });
  const db = `${dir}/chat.db`;
  try {
    const { process: server, port } = await ChatProcess.serve(["--db", db, "--no-flood-control"]);
    const sender = await TestClient.register(port, "burst", ["echo-message", "message-tags"]);
    await sender.send("JOIN #burst");
    await sender.expect("366");
    const echoes = () => sender.lines.filter((l) => l.includes(" PRIVMSG #burst :"));
    const base = sender.received; // every later line is an echo: burst is alone in #burst
    let sent = 0;
    // Bounded: at most 20,000 messages; stop once 1,000 echoes are back, with more in flight.
    while (sender.received - base < 1000 && sent < 20_000) {
      const batch = Array.from({ length: 200 }, (_, i) => `PRIVMSG #burst :m${sent + i}`);
      await sender.send(batch.join("\r\n"));
      sent += batch.length;
      // keep at most two batches in flight
      await sender.until(() => sender.received - base >= sent - 400, "echoes", 10_000);
    }
    await sender.send(
      Array.from({ length: 200 }, (_, i) => `PRIVMSG #burst :late${i}`).join("\r\n"),
    );
    server.kill("SIGKILL");
    await server.finish();
    await sender.closed(10_000);
    const echoed = echoes().map((l) => parseMessage(l)!.tags!.msgid!);
    assert.ok(echoed.length >= 1000, `only ${echoed.length} echoes`);

    const check = new DatabaseSync(db);
    try {
      const integrity = check.prepare("PRAGMA integrity_check").get() as {
        integrity_check: string;
      };
      assert.equal(integrity.integrity_check, "ok");
      const stored = new Set(
        (check.prepare("SELECT msgid FROM messages").all() as { msgid: string }[]).map((r) =>
          r.msgid
        ),
      );
      const missing = echoed.filter((id) => !stored.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${echoed.length} echoed messages lost`);
      console.log(`SIGKILL: ${sent + 200} sent, ${echoed.length} echoed, ${stored.size} stored`);
    } finally {
      check.close();
    }
    await sender.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a PONG means stored: SIGKILL right after it loses none of the 300 messages before", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-" });
  const db = `${dir}/chat.db`;
  try {
    const { process: server, port } = await ChatProcess.serve(["--db", db, "--no-flood-control"]);
    const sender = await TestClient.register(port, "pinger"); // no echo-message: no echo to wait for
    await sender.send("JOIN #durable");
    await sender.expect("366");
    // one write: the messages and the PING are read and run in the same task
    const burst = Array.from({ length: 300 }, (_, i) => `PRIVMSG #durable :p${i}`);
    await sender.send([...burst, "PING stored"].join("\r\n"));
    await sender.expect((m) => m.command === "PONG" && m.params[1] === "stored");
    server.kill("SIGKILL");
    await server.finish();
    await sender.closed(10_000);
    const check = new DatabaseSync(db);
    try {
      const texts =
        (check.prepare("SELECT text FROM messages WHERE target = '#durable' ORDER BY id")
          .all() as { text: string }[]).map((r) => r.text);
      assert.deepEqual(texts, burst.map((_, i) => `p${i}`), `${300 - texts.length} of 300 lost`);
    } finally {
      check.close();
    }
    await sender.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
