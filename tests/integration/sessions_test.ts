/**
 * Several connections, one user: a connection logging in to an account whose user is here
 * attaches to it (SASL at registration, NickServ IDENTIFY after, `/login` in the plain-text door),
 * sees what the other sessions send and join, and the user quits only with its last session.
 */
import assert from "node:assert/strict";
import { type Matcher, TestClient } from "../../scripts/support/irc_client.ts";
import type { Message } from "../../protocol/message.ts";
import { names, PASSWORD, viaSasl, withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

const command = (name: string, ...params: string[]): Matcher => (m: Message) =>
  m.command === name && params.every((p, i) => m.params[i] === p);

Deno.test("sessions: a second connection logging in with SASL becomes the same user, nick and channels", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  const bob = await TestClient.register(port, "bob");
  let phone: TestClient | undefined;
  try {
    await laptop.send("JOIN #x");
    await laptop.expect("366");
    await laptop.send("TOPIC #x :plans");
    await laptop.expect("TOPIC");
    await bob.send("JOIN #x");
    await bob.expect("366");

    phone = await viaSasl(port, "alice", "alice_phone", ["extended-join"]);
    const welcome = await phone.expect("001");
    assert.equal(welcome.params[0], "alice", "welcomed under the user's nick, not the one asked");
    const join = await phone.expect("JOIN");
    assert.equal(join.source, "alice!~alice@127.0.0.1");
    assert.deepEqual(join.params.slice(0, 2), ["#x", "alice"], "in its form: extended-join");
    assert.equal((await phone.expect("332")).params[2], "plans");
    const burstNames = await phone.expect("353");
    assert.match(burstNames.params[3] ?? "", /@alice/);
    await phone.expect("366");
    assert.deepEqual(await names(bob, "#x"), ["alice", "bob"], "one user, not two");

    // what either session sends reaches the other, and everyone else once
    await laptop.send("PRIVMSG #x :from the laptop");
    assert.deepEqual((await phone.expect("PRIVMSG")).params, ["#x", "from the laptop"]);
    assert.equal((await bob.expect("PRIVMSG")).source, "alice!~alice@127.0.0.1");
    await phone.send("PRIVMSG bob :from the phone");
    assert.deepEqual((await laptop.expect("PRIVMSG")).params, ["bob", "from the phone"]);
    assert.deepEqual((await bob.expect("PRIVMSG")).params, ["bob", "from the phone"]);
    await bob.send("PRIVMSG alice :to both");
    assert.deepEqual((await laptop.expect("PRIVMSG")).params, ["alice", "to both"]);
    assert.deepEqual((await phone.expect("PRIVMSG")).params, ["alice", "to both"]);
    const laptopSaw = await laptop.sync();
    assert.ok(!laptopSaw.some((m) => m.command === "PRIVMSG"), "no echo without echo-message");

    // a JOIN from one session is the user's: the other sees it with its replies
    await phone.send("JOIN #y");
    await phone.expect("366");
    assert.deepEqual((await laptop.expect(command("JOIN", "#y"))).params, ["#y"]);
    await laptop.expect(command("366", "alice", "#y"));

    // one session leaving is not the user leaving (nor is the last, for an always-on account:
    // always_on_test.ts; this one opts out)
    await laptop.send("PRIVMSG NickServ :SET ALWAYS-ON off");
    await laptop.expect((m) => m.command === "NOTICE" && /Always-on is off/.test(m.params[1]!));
    await phone.send("QUIT :phone off");
    await phone.closed();
    assert.deepEqual(await names(bob, "#x"), ["alice", "bob"]);
    assert.ok(!(await bob.sync()).some((m) => m.command === "QUIT"), "nobody saw a QUIT");
    await laptop.send("PRIVMSG #x :still here");
    await bob.expect((m) => m.command === "PRIVMSG" && m.params[1] === "still here");
    await laptop.send("QUIT :bye");
    const quit = await bob.expect("QUIT");
    assert.equal(quit.source, "alice!~alice@127.0.0.1");
  } finally {
    for (const c of [laptop, bob, phone]) await c?.close();
    await server.shutdown();
  }
});

Deno.test("sessions: NickServ IDENTIFY after registration attaches: the client leaves its channels and takes the nick", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice", ["echo-message"]);
  const bob = await TestClient.register(port, "bob");
  const phone = await TestClient.register(port, "guest1");
  try {
    for (const c of [laptop, bob]) {
      await c.send("JOIN #x");
      await c.expect(command("366", c === laptop ? "alice" : "bob", "#x"));
    }
    await phone.send("JOIN #x");
    await phone.expect("366");
    await bob.expect(command("JOIN", "#x"));
    await phone.send(`PRIVMSG NickServ :IDENTIFY alice ${PASSWORD}`);
    await phone.expect("900");
    const part = await phone.expect("PART");
    assert.equal(part.source?.split("!")[0], "guest1");
    assert.deepEqual((await phone.expect("NICK")).params, ["alice"]);
    await phone.expect(command("JOIN", "#x"));
    await phone.expect("366");
    await phone.expect((m) => m.command === "NOTICE" && /logged in as alice/.test(m.params[1]!));
    assert.equal((await bob.expect("QUIT")).source?.split("!")[0], "guest1");
    assert.deepEqual(await names(bob, "#x"), ["alice", "bob"]);

    // an echo-message session gets its echo; the other session gets the message itself
    await laptop.send("PRIVMSG #x :echoed");
    await laptop.expect((m) => m.command === "PRIVMSG" && m.params[1] === "echoed");
    await phone.expect((m) => m.command === "PRIVMSG" && m.params[1] === "echoed");
    await bob.expect((m) => m.command === "PRIVMSG" && m.params[1] === "echoed");
  } finally {
    for (const c of [laptop, bob, phone]) await c.close();
    await server.shutdown();
  }
});

Deno.test("sessions: over --max-sessions a connection stays a user of its own and is told why", async () => {
  const server = await testServer({ limits: { maxSessions: 1 } });
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  const phone = await TestClient.register(port, "alice_phone");
  try {
    await phone.send(`PRIVMSG NickServ :IDENTIFY alice ${PASSWORD}`);
    await phone.expect("900");
    const fail = await phone.expect("FAIL");
    assert.deepEqual(fail.params.slice(0, 3), ["*", "TOO_MANY_SESSIONS", "alice"]);
    await phone.send("WHOIS alice_phone");
    assert.equal((await phone.expect("311")).params[1], "alice_phone", "still its own user");
    assert.ok(!(await laptop.sync()).some((m) => m.command === "NICK" || m.command === "JOIN"));
  } finally {
    for (const c of [laptop, phone]) await c.close();
    await server.shutdown();
  }
});

Deno.test("sessions: a netcat user logs in with /login and attaches", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 100 } });
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  const nc = await TestClient.connect(port);
  try {
    await laptop.send("JOIN #x");
    await laptop.expect("366");
    await nc.expectLine((l) => l.includes("Pick a nickname:"));
    await nc.send("visitor");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await nc.send(`/login alice ${PASSWORD}`);
    await nc.expectLine((l) => l.includes("* You joined #x"));
    await nc.send("typed at the terminal");
    await laptop.expect((m) => m.command === "PRIVMSG" && m.params[1] === "typed at the terminal");
    await laptop.send("PRIVMSG #x :seen at the terminal");
    await nc.expectLine((l) => l.endsWith("<alice> seen at the terminal"));
  } finally {
    for (const c of [laptop, nc]) await c.close();
    await server.shutdown();
  }
});
