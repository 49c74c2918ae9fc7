/**
 * draft/channel-rename over sockets, after the spec's examples: an op renames a channel, members
 * with the capability see RENAME, the others PART and JOIN with the topic and names; refusals as
 * numerics or `FAIL RENAME`; the channel keeps its members, modes, registration and history.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { names, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

const RENAME_CAP = "draft/channel-rename";
const is = (command: string) => (m: Message) => m.command === command;

/** `clients` join `channel` in order (the first is its op). */
async function joinAll(channel: string, ...clients: TestClient[]): Promise<void> {
  for (const c of clients) {
    await c.send(`JOIN ${channel}`);
    await c.expect((m) => m.command === "366" && m.params[1] === channel);
  }
}

Deno.test("rename: members with the capability see RENAME, the others PART, JOIN, topic and names", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", [RENAME_CAP]);
  const bob = await TestClient.register(port, "bob", [RENAME_CAP]);
  const carol = await TestClient.register(port, "carol");
  try {
    await joinAll("#boaring", alice, bob, carol);
    await alice.send("TOPIC #boaring :Topic of the renamed channel");
    await carol.expect(is("TOPIC"));
    await alice.send("MODE #boaring +v bob");
    await carol.expect(is("MODE"));

    await alice.send("RENAME #boaring #boring :Typo fix");
    for (const c of [alice, bob]) {
      const rename = await c.expect(is("RENAME"));
      assert.equal(rename.source, "alice!~alice@127.0.0.1");
      assert.deepEqual(rename.params, ["#boaring", "#boring", "Typo fix"]);
    }
    const part = await carol.expect(is("PART"));
    assert.equal(part.source, "carol!~carol@127.0.0.1");
    assert.deepEqual(part.params, ["#boaring", "Typo fix"]);
    const join = await carol.expect(is("JOIN"));
    assert.deepEqual([join.source, ...join.params], ["carol!~carol@127.0.0.1", "#boring"]);
    assert.deepEqual((await carol.expect(is("332"))).params.slice(1), [
      "#boring",
      "Topic of the renamed channel",
    ]);
    assert.equal((await carol.expect(is("333"))).params[1], "#boring");
    const namesLine = await carol.expect(is("353"));
    assert.deepEqual(namesLine.params.slice(1, 3), ["=", "#boring"]);
    assert.deepEqual(namesLine.params[3]!.split(" ").sort(), ["+bob", "@alice", "carol"]);
    assert.equal((await carol.expect(is("366"))).params[1], "#boring");
    for (const c of [alice, bob]) {
      assert.ok(!(await c.sync()).some((m) => m.command === "PART"), "no fallback with the cap");
    }

    // the same channel under its new name: members, status and messages
    assert.deepEqual(await names(bob, "#boring"), ["alice", "bob", "carol"]);
    await bob.send("PRIVMSG #boring :still here");
    assert.deepEqual((await carol.expect(is("PRIVMSG"))).params, ["#boring", "still here"]);
    await bob.send("NAMES #boaring");
    const old = await bob.sync();
    assert.ok(!old.some(is("353")) && old.some(is("366")), "the old name is no channel");

    // without a reason: the third parameter is there, empty
    await bob.send("MODE #boring"); // unchanged modes
    await bob.expect(is("324"));
    await joinAll("#coding", alice, carol);
    await alice.send("RENAME #coding #programming");
    assert.deepEqual((await alice.expect(is("RENAME"))).params, ["#coding", "#programming", ""]);
    assert.deepEqual((await carol.expect(is("PART"))).params, ["#coding"]);
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("rename: refusals (482, 442, 403, name in use, bad name, permanent, too soon)", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", [RENAME_CAP]);
  const bob = await TestClient.register(port, "bob", [RENAME_CAP]);
  try {
    await joinAll("#aniki", alice, bob);
    await joinAll("#good", bob);
    await joinAll("#lobby", alice);
    await bob.send("RENAME #aniki #aneki");
    assert.deepEqual((await bob.expect(is("482"))).params.slice(1, 2), ["#aniki"]);
    await alice.send("RENAME #good #better");
    assert.equal((await alice.expect(is("442"))).params[1], "#good");
    await alice.send("RENAME #nowhere #somewhere");
    assert.equal((await alice.expect(is("403"))).params[1], "#nowhere");
    await alice.send("RENAME #aniki");
    assert.equal((await alice.expect(is("461"))).params[1], "RENAME");

    const fail = async (line: string) => {
      await alice.send(line);
      return (await alice.expect(is("FAIL"))).params;
    };
    assert.deepEqual((await fail("RENAME #aniki #GOOD :Don't be evil")).slice(0, 4), [
      "RENAME",
      "CHANNEL_NAME_IN_USE",
      "#aniki",
      "#GOOD",
    ]);
    assert.deepEqual((await fail("RENAME #aniki nochannel")).slice(0, 2), [
      "RENAME",
      "CANNOT_RENAME",
    ]);
    assert.deepEqual((await fail("RENAME #lobby #hall")).slice(1, 4), [
      "CANNOT_RENAME",
      "#lobby",
      "#hall",
    ]);
    assert.deepEqual((await fail("RENAME #aniki #Lobby")).slice(1, 2), ["CANNOT_RENAME"]);
    await alice.send("RENAME #aniki #aneki");
    await alice.expect(is("RENAME"));
    const again = await fail("RENAME #aneki #anego");
    assert.deepEqual(again.slice(1, 3), ["CANNOT_RENAME", "#aneki"]);
    assert.match(again[4]!, /recently/);
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
  }
});

Deno.test("rename: the fallback's names are left out for a member with draft/no-implicit-names", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", [RENAME_CAP]);
  const quiet = await TestClient.register(port, "quiet", ["draft/no-implicit-names"]);
  try {
    await alice.send("JOIN #here");
    await alice.expect(is("366"));
    await quiet.send("JOIN #here");
    await quiet.expect(is("JOIN"));
    await alice.send("TOPIC #here :the topic");
    await quiet.expect(is("TOPIC"));
    await alice.send("RENAME #here #there");
    await quiet.expect(is("PART"));
    assert.deepEqual((await quiet.expect(is("JOIN"))).params, ["#there"]);
    assert.equal((await quiet.expect(is("332"))).params[2], "the topic");
    assert.ok(!(await quiet.sync()).some((m) => m.command === "353" || m.command === "366"));
  } finally {
    for (const c of [alice, quiet]) await c.close();
    await server.shutdown();
  }
});

Deno.test("rename: a change of case only is allowed, and shown only to members with the capability", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", [RENAME_CAP]);
  const carol = await TestClient.register(port, "carol");
  try {
    await joinAll("#case", alice, carol);
    await alice.send("RENAME #case #Case");
    assert.deepEqual((await alice.expect(is("RENAME"))).params, ["#case", "#Case", ""]);
    assert.ok(!(await carol.sync()).some((m) => m.command === "PART" || m.command === "JOIN"));
    await carol.send("PRIVMSG #case :any case");
    assert.equal((await alice.expect(is("PRIVMSG"))).params[1], "any case", "the same channel");
  } finally {
    for (const c of [alice, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("rename: the registration and the history follow the channel", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice", [RENAME_CAP, "draft/chathistory", "batch"]);
  const bob = await TestClient.register(port, "bob", [RENAME_CAP]);
  try {
    await joinAll("#old", alice, bob);
    await alice.send("PRIVMSG ChanServ :REGISTER #old");
    await alice.expect((m) => m.command === "NOTICE" && /is registered to/.test(m.params[1]!));
    // an op who is not the founder may not move the registration
    await alice.send("MODE #old +o bob");
    await bob.expect(is("MODE"));
    await bob.send("RENAME #old #mine");
    const refused = await bob.expect(is("FAIL"));
    assert.deepEqual(refused.params.slice(0, 4), ["RENAME", "CANNOT_RENAME", "#old", "#mine"]);
    await bob.send("PART #old");
    await bob.expect(is("PART"));
    await alice.send("PRIVMSG #old :said before");
    await alice.send("RENAME #old #new :moving");
    await alice.expect(is("RENAME"));

    await alice.send("CHATHISTORY LATEST #new * 10");
    const said = await alice.expect(is("PRIVMSG"));
    assert.deepEqual(said.params, ["#new", "said before"], "the history came along");
    await alice.send("PRIVMSG ChanServ :INFO #new");
    assert.match((await alice.expect(is("NOTICE"))).params[1]!, /^#new: founder alice/);
    await alice.send("PRIVMSG ChanServ :INFO #old");
    assert.match((await alice.expect(is("NOTICE"))).params[1]!, /#old is not registered/);

    // once empty, #new comes back registered (bob gets no op), #old is a new channel
    await alice.send("PART #new");
    await alice.expect(is("PART"));
    await joinAll("#new", bob);
    assert.deepEqual(await names(bob, "#new"), ["bob"]);
    assert.ok(!bob.lines.some((l) => / 353 bob = #new :@bob/.test(l)), "not op: registered");
    await joinAll("#old", bob);
    assert.ok(bob.lines.some((l) => / 353 bob = #old :@bob/.test(l)), "a new #old");
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
  }
});
