import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const has = (s: string) => (l: string) => l.includes(s);

Deno.test("a silent client gets the greeting, picks a nick, lands in #lobby with IRC users", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 200 } });
  const port = server.addr.port;
  const irc = await TestClient.register(port, "alice");
  const nc = await TestClient.connect(port);
  try {
    await irc.send("JOIN #lobby");
    await irc.expect("366");
    await nc.expectLine(has("Pick a nickname:"));
    await nc.send("alice");
    await nc.expectLine(has("The nickname alice is taken."));
    await nc.expectLine(has("Pick a nickname:"));
    await nc.send("not valid!");
    await nc.expectLine(has("is not a valid nickname"));
    await nc.send("bob");
    await nc.expectLine(has("Welcome to the chat IRC Network bob!"));
    await nc.expectLine(has("* You joined #lobby"));
    await nc.expectLine((l) => l.startsWith("* Users in #lobby:") && l.includes("alice"));

    const join = await irc.expect("JOIN");
    assert.equal(join.source, "bob!~bob@127.0.0.1");

    await nc.send("hello from netcat");
    const m = await irc.expect("PRIVMSG");
    assert.deepEqual(m.params, ["#lobby", "hello from netcat"]);

    await irc.send("PRIVMSG #lobby :hi bob");
    await nc.expectLine((l) => /^\[\d\d:\d\d\] <alice> hi bob$/.test(l));
    await irc.send("PRIVMSG bob :a secret");
    await nc.expectLine((l) => /^\[\d\d:\d\d\] \*alice\* a secret$/.test(l));
    await irc.send("PRIVMSG #lobby :\x01ACTION waves\x01");
    await nc.expectLine((l) => l.endsWith("* alice waves"));

    await nc.send("/me nods");
    assert.equal((await irc.expect("PRIVMSG")).params[1], "\x01ACTION nods\x01");
    await nc.send("/msg alice privately");
    assert.deepEqual((await irc.expect("PRIVMSG")).params, ["alice", "privately"]);
    await nc.send("/nick bobby");
    await nc.expectLine(has("* You are now known as bobby"));
    assert.deepEqual((await irc.expect("NICK")).params, ["bobby"]);
    await nc.send("/topic The lobby");
    await nc.expectLine(has("! #lobby: You're not channel operator"));
    await nc.send("/join #side");
    await nc.expectLine(has("* You joined #side"));
    await nc.send("/topic Side room");
    await nc.expectLine(has("* bobby set the topic of #side to: Side room"));
    await nc.send("in the side room");
    await nc.send("/list");
    await nc.expectLine(has("*   #side (1)"));
    await nc.send("/who #lobby");
    await nc.expectLine((l) => l.startsWith("* Users in #lobby:") && l.includes("bobby"));
    await nc.send("/part");
    await nc.expectLine(has("* You left #side"));
    await nc.expectLine(has("* Current channel is now #lobby"));
    await nc.send("/help");
    await nc.expectLine(has("/quit [REASON]"));
    await nc.send("/quit see you");
    await nc.expectLine(has("*** Disconnected: Quit: see you"));
    await nc.closed();
    assert.deepEqual((await irc.expect("QUIT")).params, ["Quit: see you"]);
  } finally {
    await irc.close();
    await nc.close();
    await server.shutdown();
  }
});

Deno.test("a first line that is not IRC opens the door at once and is the nickname", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 60_000 } });
  const nc = await TestClient.connect(server.addr.port);
  try {
    await nc.send("carol");
    await nc.expectLine(has("Pick a nickname:"));
    await nc.expectLine(has("Welcome to the chat IRC Network carol!"));
    await nc.expectLine(has("* You joined #lobby"));
  } finally {
    await nc.close();
    await server.shutdown();
  }
});

Deno.test("an IRC client that speaks after the greeting still gets IRC", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 100 } });
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.expectLine(has("Pick a nickname:"));
    await c.send("NICK late");
    await c.send("USER late 0 * :Late Client");
    assert.equal((await c.expect("001")).params[0], "late");
  } finally {
    await c.close();
    await server.shutdown();
  }
});
