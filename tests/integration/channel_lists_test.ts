/**
 * Ban exceptions (+e, ISUPPORT EXCEPTS) and invite exceptions (+I, INVEX) over real sockets:
 * what they let past +b and +i, their lists (348/349, 346/347), who may read them, the limit
 * they share with the ban list (MAXLIST=beI), and a registered channel keeping them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import type { Message } from "../../protocol/message.ts";
import { testServer } from "../helpers/server.ts";
import { withAccount } from "../helpers/accounts.ts";

/** Sends a line and returns the numerics (and other commands) that answer it, up to a PING. */
async function ask(c: TestClient, line: string): Promise<Message[]> {
  await c.send(line);
  return await c.sync();
}

const commandsOf = (ms: Message[]) => ms.map((m) => m.command);

/** A registered client in `channel` (the first one in is op). */
async function inChannel(port: number, nick: string, channel: string): Promise<TestClient> {
  const c = await TestClient.register(port, nick);
  await c.send(`JOIN ${channel}`);
  await c.expect("366");
  return c;
}

Deno.test("ISUPPORT advertises EXCEPTS, INVEX, CHANMODES=beI and the shared MAXLIST", async () => {
  const server = await testServer({ limits: { maxBans: 7 } });
  const c = await TestClient.register(server.addr.port, "zed");
  try {
    await c.sync();
    const tokens = c.lines.filter((l) => l.includes(" 005 ")).join(" ").split(" ");
    const wanted = [
      "EXCEPTS=e",
      "INVEX=I",
      "CHANMODES=beI,k,l,imnst",
      "MAXLIST=beI:7",
      "EXTBAN=,m",
    ];
    for (const t of wanted) {
      assert.ok(tokens.includes(t), t);
    }
    // RPL_MYINFO names them too: channel modes, then those taking a parameter
    const myinfo = c.lines.find((l) => l.includes(" 004 "))!.split(" ");
    assert.deepEqual(myinfo.slice(-2), ["Ibeiklmnostv", ":Ibeklov"]);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("+e lets a banned user join, speak and change nick; removing it bans again", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await inChannel(port, "alice", "#c");
  const bob = await inChannel(port, "bob", "#c");
  const carol = await TestClient.register(port, "carol");
  try {
    await alice.send("MODE #c +b *!*@127.0.0.1");
    await bob.expect("MODE");
    // the ban silences bob and holds his nick, and keeps carol out
    assert.deepEqual(commandsOf(await ask(bob, "PRIVMSG #c :hi")), ["404"]);
    assert.deepEqual(commandsOf(await ask(bob, "NICK bobby")), ["435"]);
    assert.deepEqual(commandsOf(await ask(carol, "JOIN #c")), ["474"]);

    await alice.send("MODE #c +ee bob!*@* carol!*@*");
    const set = await bob.expect("MODE");
    assert.deepEqual(set.params, ["#c", "+ee", "bob!*@*", "carol!*@*"]);
    assert.equal(set.source, "alice!~alice@127.0.0.1");
    await bob.send("PRIVMSG #c :thanks");
    assert.deepEqual((await alice.expect("PRIVMSG")).params, ["#c", "thanks"]);
    await carol.send("JOIN #c");
    await carol.expect("366");
    // removing carol's exception leaves her silenced by the ban
    await alice.send("MODE #c -e carol!*@*");
    await carol.expect((m) => m.command === "MODE" && m.params[1] === "-e");
    assert.deepEqual(commandsOf(await ask(carol, "PRIVMSG #c :hello?")), ["404"]);
    // the exception lets bob rename; as bobby it no longer names him, and the ban holds him
    await bob.send("NICK bobby");
    await bob.expect("NICK");
    assert.deepEqual(commandsOf(await ask(bob, "PRIVMSG #c :again?")), ["404"]);
  } finally {
    await Promise.all([alice, bob, carol].map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("+I lets a matching user into a +i channel without an invite, and nobody else", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await inChannel(port, "alice", "#quiet");
  const bob = await TestClient.register(port, "bob");
  const dave = await TestClient.register(port, "dave");
  try {
    await alice.send("MODE #quiet +i");
    await alice.expect("MODE");
    assert.deepEqual(commandsOf(await ask(bob, "JOIN #quiet")), ["473"]);
    await alice.send("MODE #quiet +I bob!*@127.0.0.*");
    assert.deepEqual((await alice.expect("MODE")).params, ["#quiet", "+I", "bob!*@127.0.0.*"]);
    await bob.send("JOIN #quiet");
    await bob.expect("366");
    assert.deepEqual(commandsOf(await ask(dave, "JOIN #quiet")), ["473"]);
    // +I answers +i only: a key is still asked for, and a ban still holds
    await alice.send("MODE #quiet +I dave");
    await alice.send("MODE #quiet +k sesame");
    await alice.expect((m) => m.command === "MODE" && m.params[1] === "+k");
    assert.deepEqual(commandsOf(await ask(dave, "JOIN #quiet")), ["475"]);
    await alice.send("MODE #quiet +b dave");
    await alice.expect((m) => m.command === "MODE" && m.params[1] === "+b");
    assert.deepEqual(commandsOf(await ask(dave, "JOIN #quiet sesame")), ["474"]);
  } finally {
    await Promise.all([alice, bob, dave].map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("MODE e and MODE I list with 348/349 and 346/347, to ops only", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await inChannel(port, "alice", "#c");
  const bob = await inChannel(port, "bob", "#c");
  try {
    await alice.send("MODE #c +eI friend invitee!*@*.example");
    await alice.expect("MODE");
    await bob.expect("MODE");
    const lists = await ask(alice, "MODE #c eI");
    assert.deepEqual(commandsOf(lists), ["348", "349", "346", "347"]);
    const [except, endExcept, invite, endInvite] = lists;
    assert.deepEqual(except!.params.slice(0, 4), [
      "alice",
      "#c",
      "friend!*@*",
      "alice!~alice@127.0.0.1",
    ]);
    assert.match(except!.params[4]!, /^\d{10}$/);
    assert.deepEqual(endExcept!.params, ["alice", "#c", "End of channel exception list"]);
    assert.deepEqual(invite!.params.slice(0, 3), ["alice", "#c", "invitee!*@*.example"]);
    assert.deepEqual(endInvite!.params, ["alice", "#c", "End of channel invite list"]);
    // `+e` without a mask asks for the list too
    assert.deepEqual(commandsOf(await ask(alice, "MODE #c +e")), ["348", "349"]);
    // who is let past the bans is the ops' to know; the ban list stays public
    assert.deepEqual(commandsOf(await ask(bob, "MODE #c e")), ["482"]);
    assert.deepEqual(commandsOf(await ask(bob, "MODE #c I")), ["482"]);
    assert.deepEqual(commandsOf(await ask(bob, "MODE #c b")), ["368"]);
    // nor may a non-op add to them
    assert.deepEqual(commandsOf(await ask(bob, "MODE #c +e bob")), ["482"]);
  } finally {
    await Promise.all([alice, bob].map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("+b, +e and +I share one MAXLIST limit: past it, 478", async () => {
  const server = await testServer({ limits: { maxBans: 3 } });
  const alice = await inChannel(server.addr.port, "alice", "#c");
  try {
    await alice.send("MODE #c +beI a b c");
    assert.deepEqual((await alice.expect("MODE")).params, [
      "#c",
      "+beI",
      "a!*@*",
      "b!*@*",
      "c!*@*",
    ]);
    const full = await ask(alice, "MODE #c +eI d e");
    assert.deepEqual(full.map((m) => m.params), [
      ["alice", "#c", "d!*@*", "Channel exception list is full"],
      ["alice", "#c", "e!*@*", "Channel invite list is full"],
    ]);
    assert.ok(full.every((m) => m.command === "478"));
    // a removal frees a slot for any list
    await alice.send("MODE #c -b+I a f");
    assert.deepEqual((await alice.expect("MODE")).params, ["#c", "-b+I", "a!*@*", "f!*@*"]);
  } finally {
    await alice.close();
    await server.shutdown();
  }
});

Deno.test("a registered channel keeps its +e and +I across a restart", async () => {
  const db = await Deno.makeTempFile({ suffix: ".db" });
  try {
    const alwaysOn = { policy: "off", expireMs: 0 } as const;
    const first = await testServer({ db, alwaysOn });
    const hank = await withAccount(first.addr.port, "hank");
    await hank.send("JOIN #reg");
    await hank.expect("366");
    await hank.send("PRIVMSG ChanServ :REGISTER #reg");
    await hank.expect((m) => m.command === "NOTICE" && /registered/.test(m.params[1]!));
    await hank.send("MODE #reg +ieI kept invited");
    await hank.expect("MODE");
    await hank.close();
    await first.shutdown();

    const second = await testServer({ db, alwaysOn });
    const port = second.addr.port;
    const invited = await TestClient.register(port, "invited");
    const other = await TestClient.register(port, "other");
    try {
      // the channel comes back from its registration, +i with its invite exception
      await invited.send("JOIN #reg");
      await invited.expect("366");
      assert.deepEqual(commandsOf(await ask(other, "JOIN #reg")), ["473"]);
      const hank2 = await TestClient.register(port, "hank");
      await hank2.send("PRIVMSG NickServ :IDENTIFY correct-horse-battery");
      await hank2.expect("900");
      await hank2.send("JOIN #reg");
      await hank2.expect("366");
      const lists = await ask(hank2, "MODE #reg eI");
      assert.deepEqual(lists.map((m) => [m.command, m.params[2]]), [
        ["348", "kept!*@*"],
        ["349", "End of channel exception list"],
        ["346", "invited!*@*"],
        ["347", "End of channel invite list"],
      ]);
      await hank2.close();
    } finally {
      await Promise.all([invited, other].map((c) => c.close()));
      await second.shutdown();
    }
  } finally {
    await Deno.remove(db).catch(() => {});
    await Deno.remove(db + "-wal").catch(() => {});
    await Deno.remove(db + "-shm").catch(() => {});
  }
});

Deno.test("+b m:mask (the mute extban) lets a user in but silences them; +e and +v lift it", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await inChannel(port, "alice", "#c");
  const bob = await TestClient.register(port, "bob");
  try {
    await alice.send("MODE #c +b m:bob");
    assert.deepEqual((await alice.expect("MODE")).params, ["#c", "+b", "m:bob!*@*"]);
    await bob.send("JOIN #c");
    await bob.expect("366");
    await alice.expect("JOIN");
    assert.deepEqual((await ask(bob, "PRIVMSG #c :hello?")).map((m) => m.params), [
      ["bob", "#c", "Cannot send to channel (+b)"],
    ]);
    assert.deepEqual(commandsOf(await ask(bob, "NICK bobby")), ["435"]);
    // listed with the bans
    const bans = await ask(alice, "MODE #c b");
    assert.deepEqual(bans.map((m) => [m.command, m.params[2]]), [
      ["367", "m:bob!*@*"],
      ["368", "End of channel ban list"],
    ]);
    await alice.send("MODE #c +e bob!*@127.0.0.1");
    await bob.expect((m) => m.command === "MODE" && m.params[1] === "+e");
    await bob.send("PRIVMSG #c :excepted");
    assert.deepEqual((await alice.expect("PRIVMSG")).params, ["#c", "excepted"]);
    await alice.send("MODE #c -e+v bob!*@127.0.0.1 bob");
    await bob.expect((m) => m.command === "MODE" && m.params[1] === "-e+v");
    await bob.send("PRIVMSG #c :voiced");
    assert.deepEqual((await alice.expect("PRIVMSG")).params, ["#c", "voiced"]);
  } finally {
    await Promise.all([alice, bob].map((c) => c.close()));
    await server.shutdown();
  }
});
