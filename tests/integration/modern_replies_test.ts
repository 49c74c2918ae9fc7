/**
 * Replies the Modern IRC documents (modern.ircdocs.horse) and the IRCv3 specifications pin down,
 * over real sockets: USER with an empty parameter, WHOWAS counts, LUSERS counts, channel keys,
 * labeled-response for a message to oneself, and away-notify after a JOIN.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";

/** The numerics (and other commands) of replies, without the PONG of `sync`. */
function commands(lines: Message[]): string[] {
  return lines.map((m) => m.command).filter((c) => c !== "PONG");
}

Deno.test("USER with an empty username or realname gets 461 and does not register (Modern IRC)", async () => {
  const server = await testServer();
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("NICK foo");
    await c.send("USER username 0 * :");
    const err = await c.expect("461");
    assert.deepEqual(err.params, ["foo", "USER", "Not enough parameters"]);
    await c.send("USER : 0 * :Real Name");
    assert.deepEqual((await c.expect("461")).params.slice(1, 2), ["USER"]);
    assert.ok(!commands(await c.sync()).includes("001"), "not registered by either");
    await c.send("USER username 0 * :Real Name");
    await c.expect("001");
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("WHOWAS: newest first, up to count, all for 0 or a negative count, 406 then 369", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const asker = await TestClient.register(port, "asker");
  const clients: TestClient[] = [];
  try {
    // three users in turn hold "someone", each then giving it up
    for (const ident of ["ident1", "ident2", "ident3"]) {
      const c = await TestClient.connect(port);
      clients.push(c);
      await c.send("NICK someone");
      await c.send(`USER ${ident} 0 * :Realname`);
      await c.expect("001");
      await c.send(`NICK ${ident}`);
      await c.expect("NICK");
    }
    const whowas = async (line: string) => {
      await asker.send(line);
      const replies = (await asker.sync()).filter((m) => m.command !== "PONG");
      return replies;
    };
    const users = (replies: Message[]) =>
      replies.filter((m) => m.command === "314").map((m) => m.params[2]);

    const all = await whowas("WHOWAS someone");
    assert.deepEqual(users(all), ["~ident3", "~ident2", "~ident1"], "newest first");
    assert.deepEqual(all.at(-1)!.params, ["asker", "someone", "End of WHOWAS"]);
    assert.equal(all.at(-1)!.command, "369");
    assert.deepEqual(all[0]!.params, ["asker", "someone", "~ident3", "127.0.0.1", "*", "Realname"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 2")), ["~ident3", "~ident2"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 1")), ["~ident3"]);
    assert.deepEqual(users(await whowas("WHOWAS someone 0")), ["~ident3", "~ident2", "~ident1"]);
    assert.deepEqual(users(await whowas("WHOWAS someone -1")), ["~ident3", "~ident2", "~ident1"]);
    assert.deepEqual(users(await whowas("WHOWAS SOMEONE 9")), ["~ident3", "~ident2", "~ident1"]);

    const none = await whowas("WHOWAS nobody");
    assert.deepEqual(none.map((m) => [m.command, ...m.params]), [
      ["406", "asker", "nobody", "There was no such nickname"],
      ["369", "asker", "nobody", "End of WHOWAS"],
    ]);
    // no nick at all: one reply (Modern IRC: ERR_NONICKNAMEGIVEN or ERR_NEEDMOREPARAMS)
    assert.deepEqual(commands(await whowas("WHOWAS :")), ["431"]);
    assert.deepEqual(commands(await whowas("WHOWAS")), ["461"]);
  } finally {
    for (const c of clients) await c.close();
    await asker.close();
    await server.shutdown();
  }
});

/** LUSERS as [command, params after the client] lines. */
async function lusers(c: TestClient): Promise<string[][]> {
  await c.send("LUSERS");
  return (await c.sync()).filter((m) => m.command !== "PONG").map((m) => [
    m.command,
    ...m.params.slice(1),
  ]);
}

Deno.test("LUSERS: every connection still registering is unknown (253), invisible and operators counted, the Modern IRC wording", async () => {
  const server = await testServer({ opers: [{ name: "root", password: "pw" }] });
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice");
  const bob = await TestClient.register(port, "bob");
  // one connection that only asked for capabilities, one that only gave a nick
  const silent = await TestClient.connect(port);
  const named = await TestClient.connect(port);
  try {
    await silent.send("CAP LS 302");
    await silent.expect("CAP");
    await named.send("NICK pending");
    await named.send("PING :here");
    await named.expect("PONG");
    await alice.send("MODE alice +i");
    await alice.send("OPER root pw");
    await alice.expect("381");
    await bob.send("JOIN #one");
    await bob.expect("366");
    assert.deepEqual(await lusers(bob), [
      ["251", "There are 1 users and 1 invisible on 1 servers"],
      ["252", "1", "operator(s) online"],
      ["253", "2", "unknown connection(s)"],
      ["254", "1", "channels formed"],
      ["255", "I have 2 clients and 0 servers"],
      ["265", "2", "2", "Current local users 2, max 2"],
      ["266", "2", "2", "Current global users 2, max 2"],
    ]);

    // one registers, the other leaves: neither is unknown any more; the invisible user quits
    await named.send("USER pending 0 * :Pending");
    await named.expect("001");
    await silent.close();
    await alice.send("QUIT");
    await alice.closed(); // the server closes it once the QUIT is done
    await waitUntil(() => server.connectionCount === 2, "the silent connection is gone");
    const after = await lusers(bob);
    assert.deepEqual(after.find((l) => l[0] === "251"), [
      "251",
      "There are 2 users and 0 invisible on 1 servers",
    ]);
    assert.equal(after.find((l) => l[0] === "253"), undefined, "no 253 when none is unknown");
    assert.equal(after.find((l) => l[0] === "252"), undefined, "no 252 when no operator");
    assert.deepEqual(after.find((l) => l[0] === "265"), [
      "265",
      "2",
      "3",
      "Current local users 2, max 3",
    ]);
  } finally {
    for (const c of [alice, bob, silent, named]) await c.close();
    await server.shutdown();
  }
});

Deno.test("away-notify: a user joining while away is followed by its AWAY for members with the capability; 301 only for PRIVMSG", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const bob = await TestClient.register(port, "bob", ["away-notify"]);
  const carol = await TestClient.register(port, "carol");
  const alice = await TestClient.register(port, "alice", ["away-notify", "message-tags"]);
  try {
    for (const c of [bob, carol]) {
      await c.send("JOIN #x");
      await c.expect("366");
    }
    await alice.send("AWAY :gone fishing");
    await alice.expect("306");
    await alice.send("JOIN #x");
    await alice.expect("366");
    await bob.expect((m) => m.command === "JOIN" && m.source?.startsWith("alice!") === true);
    // the AWAY comes right after the JOIN, as if alice had set it then
    const away = await bob.expectLine(() => true);
    assert.equal(away, ":alice!~alice@127.0.0.1 AWAY :gone fishing");
    assert.ok(!commands(await carol.sync()).includes("AWAY"), "not without away-notify");
    assert.ok(!commands(await alice.sync()).includes("AWAY"), "the joiner is not told its own");

    // back, then joining another channel: no AWAY (the spec: none for a user with no away message)
    await alice.send("AWAY");
    await alice.expect("305");
    await bob.expect("AWAY"); // the AWAY that clears it, as away-notify says
    await bob.send("JOIN #y");
    await bob.expect("366");
    await alice.send("JOIN #y");
    await bob.expect((m) => m.command === "JOIN" && m.params[0] === "#y");
    assert.ok(!commands(await bob.sync()).includes("AWAY"));

    // RPL_AWAY (301) answers a PRIVMSG to an away user, never a NOTICE or a TAGMSG
    await bob.send("AWAY :out");
    await bob.expect("306");
    await alice.send("PRIVMSG bob :hi");
    assert.deepEqual((await alice.expect("301")).params, ["alice", "bob", "out"]);
    await alice.send("NOTICE bob :hi");
    await alice.send("@+typing=active TAGMSG bob");
    assert.ok(!commands(await alice.sync()).includes("301"));
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("labeled-response: a message to oneself carries the label once, on its echo; without echo-message, an ACK", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const echo = await TestClient.register(port, "me", [
    "labeled-response",
    "batch",
    "echo-message",
    "message-tags",
  ]);
  const plain = await TestClient.register(port, "you", ["labeled-response", "batch"]);
  try {
    const lines = async (c: TestClient, line: string) => {
      await c.send(line);
      return (await c.sync()).filter((m) => m.command !== "PONG");
    };
    for (
      const [line, command] of [
        ["@label=p1 PRIVMSG me :hello me", "PRIVMSG"],
        ["@label=n1 NOTICE me :hello me", "NOTICE"],
        ["@label=t1;+typing=active TAGMSG me", "TAGMSG"],
      ] as const
    ) {
      const got = await lines(echo, line);
      const label = line.slice(7, 9);
      // the echo (labeled) and the delivery (not), and nothing else: no batch, no ACK
      assert.deepEqual(got.map((m) => [m.command, m.tags?.label ?? "-"]).sort(), [
        [command, "-"],
        [command, label],
      ], line);
      assert.ok(got.every((m) => m.tags?.batch === undefined && m.source?.startsWith("me!")));
    }
    // without echo-message the delivery is no reply: the label goes on an ACK
    const got = await lines(plain, "@label=a1 PRIVMSG you :hello you");
    assert.deepEqual(got.map((m) => [m.command, m.tags?.label]), [
      ["PRIVMSG", undefined],
      ["ACK", "a1"],
    ]);
  } finally {
    await echo.close();
    await plain.close();
    await server.shutdown();
  }
});

Deno.test("channel keys: +k refuses a key with a space, only a space, empty, over KEYLEN or with a comma (696, `*`); JOIN needs the key set", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const op = await TestClient.register(port, "op");
  const guest = await TestClient.register(port, "guest");
  try {
    const keylen = op.lines.join("\n").match(/ KEYLEN=(\d+) /)?.[1];
    assert.equal(keylen, "32", "KEYLEN advertised");
    await op.send("JOIN #chan");
    await op.expect("366");
    for (const key of ["passphrase with spaces", " ", "", "k".repeat(33), "a,b", ":colon"]) {
      await op.send(`MODE #chan +k :${key}`);
      const replies = (await op.sync()).filter((m) => m.command !== "PONG");
      assert.deepEqual(replies.map((m) => [m.command, ...m.params]), [
        ["696", "op", "#chan", "k", "*", "Invalid key"],
      ], JSON.stringify(key));
    }
    // none of them was set: anyone may join
    await guest.send("JOIN #chan");
    await guest.expect("366");
    await guest.send("PART #chan");
    await guest.expect("PART");

    // the longest key there may be is set, shown to members, and needed to join
    const longest = "k".repeat(32);
    await op.send(`MODE #chan +k ${longest}`);
    assert.deepEqual((await op.expect("MODE")).params, ["#chan", "+k", longest]);
    await guest.send("JOIN #chan");
    assert.equal((await guest.expect("475")).params[1], "#chan");
    await guest.send("JOIN #chan :passphrase with spaces");
    await guest.expect("475");
    await guest.send(`JOIN #chan ${longest}`);
    await guest.expect("366");
  } finally {
    await op.close();
    await guest.close();
    await server.shutdown();
  }
});
