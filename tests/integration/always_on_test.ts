/**
 * Always-on accounts over real sockets: a logged-in user whose last connection ends stays, away;
 * what is sent to it and its channels is kept, and the next session catches up on it once.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { names, PASSWORD, viaSasl, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

const text = (m: Message) => m.params[1] ?? "";

Deno.test("always-on: the user stays when its last connection ends, messages wait, the next session catches up once", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const bob = await TestClient.register(port, "bob", ["away-notify", "message-tags"]);
  let back: TestClient | undefined, again: TestClient | undefined;
  try {
    for (const c of [alice, bob]) {
      await c.send("JOIN #x");
      await c.expect((m) => m.command === "366" && m.params[1] === "#x");
    }
    await alice.send("QUIT :laptop sleeps");
    await alice.closed();
    const away = await bob.expect("AWAY");
    assert.equal(away.source?.split("!")[0], "alice");
    assert.deepEqual(away.params, ["Disconnected"]);
    assert.deepEqual(await names(bob, "#x"), ["alice", "bob"], "still in NAMES");

    await bob.send("PRIVMSG #x :while you were out");
    await bob.send("PRIVMSG alice :a private note");
    const reply = await bob.expect((m) => m.command === "301" || m.command === "401");
    assert.deepEqual([reply.command, reply.params[1], reply.params[2]], [
      "301",
      "alice",
      "Disconnected",
    ]);
    await bob.send("@+typing=active TAGMSG alice");
    const quiet = await bob.sync();
    assert.ok(!quiet.some((m) => /^[45]\d\d$/.test(m.command)), "TAGMSG dropped silently");

    back = await viaSasl(port, "alice", "alice_new");
    assert.equal((await back.expect("001")).params[0], "alice");
    await back.expect((m) => m.command === "JOIN" && m.params[0] === "#x");
    await back.expect((m) => m.command === "366" && m.params[1] === "#x");
    const missed = await back.expect((m) => m.command === "PRIVMSG" && m.params[0] === "#x");
    assert.match(text(missed), /\] while you were out$/, "timestamped, for a client without them");
    const note = await back.expect((m) => m.command === "PRIVMSG" && m.params[0] === "alice");
    assert.match(text(note), /a private note$/);
    assert.equal(note.source?.split("!")[0], "bob");
    const cleared = await bob.expect("AWAY");
    assert.deepEqual(cleared.params, [], "back: the away it was given is cleared");

    // leaving and coming back with nothing new replays nothing again
    await back.send("QUIT");
    await back.closed();
    await bob.expect("AWAY");
    again = await viaSasl(port, "alice", "alice_new");
    await again.expect((m) => m.command === "366" && m.params[1] === "#x");
    const rest = await again.sync();
    assert.ok(!rest.some((m) => m.command === "PRIVMSG"), "caught up once");
  } finally {
    for (const c of [alice, bob, back, again]) await c?.close();
    await server.shutdown();
  }
});

Deno.test("always-on: off by the account's choice, or by the server's policy, the user quits", async () => {
  for (const policy of ["default-on", "off"] as const) {
    const server = await testServer({ alwaysOn: { policy, expireMs: 0 } });
    const port = server.addr.port;
    const alice = await withAccount(port, "alice");
    const bob = await TestClient.register(port, "bob");
    try {
      for (const c of [alice, bob]) {
        await c.send("JOIN #x");
        await c.expect((m) => m.command === "366" && m.params[1] === "#x");
      }
      if (policy === "default-on") {
        await alice.send("PRIVMSG NickServ :SET ALWAYS-ON off");
        await alice.expect((m) => m.command === "NOTICE" && /Always-on is off/.test(text(m)));
      } else {
        await alice.send("PRIVMSG NickServ :SET ALWAYS-ON on");
        await alice.expect((m) => m.command === "NOTICE" && /off on this server/.test(text(m)));
      }
      await alice.send("QUIT :gone");
      const quit = await bob.expect("QUIT");
      assert.equal(quit.source?.split("!")[0], "alice", policy);
      assert.deepEqual(await names(bob, "#x"), ["bob"]);
    } finally {
      for (const c of [alice, bob]) await c.close();
      await server.shutdown();
    }
  }
});

Deno.test("always-on: GHOST ends an always-on user nobody is connected to; a user not logged in just quits", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const anon = await TestClient.register(port, "anon");
  const bob = await TestClient.register(port, "bob", ["away-notify"]);
  try {
    for (const c of [alice, anon, bob]) {
      await c.send("JOIN #x");
      await c.expect((m) => m.command === "366" && m.params[1] === "#x");
    }
    await anon.send("QUIT");
    assert.equal((await bob.expect("QUIT")).source?.split("!")[0], "anon");
    await alice.send("QUIT");
    await alice.closed();
    await bob.expect("AWAY");
    await bob.send(`PRIVMSG NickServ :GHOST alice ${PASSWORD}`);
    const quit = await bob.expect("QUIT");
    assert.equal(quit.source?.split("!")[0], "alice");
    assert.deepEqual(await names(bob, "#x"), ["bob"]);
  } finally {
    for (const c of [alice, anon, bob]) await c.close();
    await server.shutdown();
  }
});
