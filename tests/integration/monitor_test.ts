/**
 * MONITOR (IRCv3 monitor) and extended-monitor over real sockets: each subcommand as the spec's
 * examples show it, each notification (registering, renaming to and from, quitting, an
 * always-on user's connection ending), the list limit (734, ISUPPORT `MONITOR=`), lists per
 * session, and extended-monitor's AWAY/ACCOUNT/SETNAME for nicks sharing no channel.
 */
import assert from "node:assert/strict";
import { type Matcher, TestClient } from "../../scripts/support/irc_client.ts";
import type { Message } from "../../protocol/message.ts";
import { PASSWORD, viaSasl, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

/** A numeric (or command) with these leading parameters. */
const reply = (name: string, ...params: string[]): Matcher => (m: Message) =>
  m.command === name && params.every((p, i) => m.params[i] === p);

/** The monitor numerics among messages, as `730 a!u@h` strings. */
const monitorLines = (ms: Message[]) =>
  ms.filter((m) => /^73[0-4]$/.test(m.command)).map((m) =>
    [m.command, ...m.params.slice(1)].join(" ")
  );

Deno.test("monitor: + answers 730 with the source of online targets and 731 for offline ones", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const watcher = await TestClient.register(port, "watcher");
  const bob = await TestClient.register(port, "bob");
  try {
    await watcher.send("MONITOR + Bob,nobody,bad!nick");
    const online = await watcher.expect("730");
    assert.deepEqual(online.params, ["watcher", "bob!~bob@127.0.0.1"]);
    const offline = await watcher.expect("731");
    assert.deepEqual(offline.params, ["watcher", "nobody"], "an invalid nick is not added");
    await watcher.send("MONITOR L");
    assert.deepEqual((await watcher.expect("732")).params, ["watcher", "Bob,nobody"]);
    assert.deepEqual((await watcher.expect("733")).params, ["watcher", "End of MONITOR list"]);
    await watcher.send("MONITOR S");
    assert.deepEqual(monitorLines(await watcher.sync()), [
      "730 bob!~bob@127.0.0.1",
      "731 nobody",
    ]);
    await watcher.send("MONITOR");
    await watcher.expect(reply("461", "watcher", "MONITOR"));
    await watcher.send("MONITOR +");
    await watcher.expect(reply("461", "watcher", "MONITOR"));
  } finally {
    for (const c of [watcher, bob]) await c.close();
    await server.shutdown();
  }
});

Deno.test("monitor: a watched nick coming online, renamed to and away, and quitting is told", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const watcher = await TestClient.register(port, "watcher");
  let bob: TestClient | undefined, carol: TestClient | undefined;
  try {
    await watcher.send("MONITOR + bob,carol");
    await watcher.expect(reply("731", "watcher", "bob,carol"));

    bob = await TestClient.register(port, "bob");
    assert.deepEqual((await watcher.expect("730")).params, ["watcher", "bob!~bob@127.0.0.1"]);

    await bob.send("NICK robert"); // renamed away: offline
    assert.deepEqual((await watcher.expect("731")).params, ["watcher", "bob"]);
    await bob.send("NICK Carol"); // renamed to a watched nick: online
    assert.deepEqual((await watcher.expect("730")).params, ["watcher", "Carol!~bob@127.0.0.1"]);
    await bob.send("NICK CAROL"); // only its case: still online, nothing to tell
    await bob.sync();
    assert.deepEqual(monitorLines(await watcher.sync()), []);

    await bob.send("QUIT :bye");
    await bob.closed();
    assert.deepEqual((await watcher.expect("731")).params, ["watcher", "CAROL"]);

    carol = await TestClient.register(port, "carol");
    await watcher.expect(reply("730", "watcher", "carol!~carol@127.0.0.1"));
    await carol.close(); // the connection drops
    assert.deepEqual((await watcher.expect("731")).params, ["watcher", "carol"]);
  } finally {
    for (const c of [watcher, bob, carol]) await c?.close();
    await server.shutdown();
  }
});

Deno.test("monitor: - and C take nicks off the list; nothing is told of them after", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const watcher = await TestClient.register(port, "watcher");
  const clients: TestClient[] = [];
  try {
    await watcher.send("MONITOR + a,b,c");
    await watcher.expect("731");
    await watcher.send("MONITOR - A,zzz");
    assert.deepEqual(monitorLines(await watcher.sync()), [], "- answers nothing");
    clients.push(await TestClient.register(port, "a"));
    clients.push(await TestClient.register(port, "b"));
    await watcher.expect(reply("730", "watcher", "b!~b@127.0.0.1"));
    assert.ok(!watcher.lines.some((l) => / 730 watcher :a!/.test(l)), "a was taken off");

    await watcher.send("MONITOR C");
    assert.deepEqual(monitorLines(await watcher.sync()), [], "C answers nothing");
    await watcher.send("MONITOR L");
    assert.deepEqual((await watcher.expect("733")).params, ["watcher", "End of MONITOR list"]);
    clients.push(await TestClient.register(port, "c"));
    await clients[1]!.close();
    await clients[2]!.sync();
    assert.deepEqual(monitorLines(await watcher.sync()), [], "nothing after C");
  } finally {
    for (const c of [watcher, ...clients]) await c.close();
    await server.shutdown();
  }
});

Deno.test("monitor: the list limit is advertised (MONITOR=) and past it 734 names what was not added", async () => {
  const server = await testServer({ limits: { maxMonitor: 2 } });
  const port = server.addr.port;
  const watcher = await TestClient.register(port, "watcher");
  try {
    assert.ok(watcher.lines.some((l) => / 005 .* MONITOR=2 /.test(l)), "ISUPPORT MONITOR=2");
    await watcher.send("MONITOR + a,b,c,d");
    assert.deepEqual((await watcher.expect("731")).params, ["watcher", "a,b"]);
    assert.deepEqual((await watcher.expect("734")).params, [
      "watcher",
      "2",
      "c,d",
      "Monitor list is full",
    ]);
    await watcher.send("MONITOR + A"); // already there: no new room needed
    assert.deepEqual(monitorLines(await watcher.sync()), ["731 A"]);
    await watcher.send("MONITOR + e");
    assert.deepEqual(monitorLines(await watcher.sync()), ["734 2 e Monitor list is full"]);
    await watcher.send("MONITOR L");
    assert.deepEqual((await watcher.expect("732")).params, ["watcher", "a,b"]);
  } finally {
    await watcher.close();
    await server.shutdown();
  }
});

Deno.test("monitor: an always-on user whose connection ends stays online; the list is the session's", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const watcher = await withAccount(port, "watcher");
  let phone: TestClient | undefined, carol: TestClient | undefined;
  try {
    await watcher.send("MONITOR + alice,carol");
    await watcher.expect(reply("730", "watcher", "alice!~alice@127.0.0.1"));
    await watcher.expect(reply("731", "watcher", "carol"));
    await alice.send("QUIT :laptop sleeps");
    await alice.closed();
    await watcher.send("MONITOR S");
    assert.deepEqual(monitorLines(await watcher.sync()), [
      "730 alice!~alice@127.0.0.1",
      "731 carol",
    ], "no 731 for alice: it is still on the network");

    // another device of the watcher's account has its own list
    phone = await viaSasl(port, "watcher", "watcher_phone");
    await phone.expect("001");
    await phone.send("MONITOR L");
    assert.deepEqual(monitorLines(await phone.sync()), ["733 End of MONITOR list"]);
    carol = await TestClient.register(port, "carol");
    await watcher.expect(reply("730", "watcher", "carol!~carol@127.0.0.1"));
    assert.deepEqual(monitorLines(await phone.sync()), [], "the phone does not watch carol");
  } finally {
    for (const c of [alice, watcher, phone, carol]) await c?.close();
    await server.shutdown();
  }
});

Deno.test("extended-monitor: AWAY, ACCOUNT and SETNAME of a watched nick sharing no channel, once when sharing one", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const caps = ["extended-monitor", "away-notify", "account-notify", "setname"];
  const watcher = await TestClient.register(port, "watcher", caps);
  const plain = await TestClient.register(port, "plain", caps.slice(1));
  const bob = await TestClient.register(port, "bob");
  try {
    for (const c of [watcher, plain]) {
      await c.send("MONITOR + bob");
      await c.expect("730");
    }
    await bob.send("AWAY :lunch");
    await bob.send(`PRIVMSG NickServ :REGISTER ${PASSWORD}`);
    await bob.expect("900");
    await bob.send("SETNAME :Robert");
    await bob.sync();
    await watcher.expect(reply("AWAY", "lunch"));
    await watcher.expect(reply("ACCOUNT", "bob"));
    await watcher.expect(reply("SETNAME", "Robert"));
    const seen = (await plain.sync()).map((m) => m.command);
    assert.ok(!seen.some((c) => ["AWAY", "ACCOUNT", "SETNAME"].includes(c)), "not without it");

    // sharing a channel: told once, not once more as a watcher
    for (const c of [watcher, bob]) {
      await c.send("JOIN #x");
      await c.expect(reply("366", c.nick, "#x"));
    }
    await watcher.sync();
    await bob.send("AWAY");
    await bob.expect("305");
    await watcher.sync();
    assert.equal(watcher.lines.filter((l) => / AWAY$/.test(l)).length, 1);
  } finally {
    for (const c of [watcher, plain, bob]) await c.close();
    await server.shutdown();
  }
});
