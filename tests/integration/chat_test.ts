import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const text = (c: string, body: string) => (m: { command: string; params: string[] }) =>
  m.command === c && m.params.at(-1) === body;

Deno.test("three IRC clients register, join, talk in a channel and privately", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const [a, b, c] = await Promise.all([
    TestClient.register(port, "alice"),
    TestClient.register(port, "bob"),
    TestClient.register(port, "carol"),
  ]);
  try {
    for (const cl of [a, b, c]) {
      await cl.send("JOIN #chat");
      await cl.expect((m) => m.command === "366");
    }
    await a.send("PRIVMSG #chat :hello everyone");
    for (const cl of [b, c]) {
      const m = await cl.expect("PRIVMSG");
      assert.equal(m.source, "alice!~alice@127.0.0.1");
      assert.deepEqual(m.params, ["#chat", "hello everyone"]);
    }
    await b.send("PRIVMSG carol :just between us");
    const p = await c.expect("PRIVMSG");
    assert.deepEqual(p.params, ["carol", "just between us"]);
    // alice saw neither her own channel message nor the private one
    const seen = await a.sync();
    assert.ok(!seen.some((m) => m.command === "PRIVMSG"));

    await c.send("NICK alice");
    assert.equal((await c.expect("433")).params[1], "alice");

    await a.send("TOPIC #chat :Release day");
    for (const cl of [a, b, c]) {
      assert.deepEqual((await cl.expect("TOPIC")).params, ["#chat", "Release day"]);
    }

    await a.send("MODE #chat +v bob");
    assert.deepEqual((await c.expect("MODE")).params, ["#chat", "+v", "bob"]);
    await a.send("KICK #chat carol :tests");
    assert.deepEqual((await c.expect("KICK")).params, ["#chat", "carol", "tests"]);
    await b.expect("KICK");

    await b.send("QUIT :bye all");
    assert.deepEqual((await a.expect("QUIT")).params, ["Quit: bye all"]);
    assert.match((await b.expect("ERROR")).params[0]!, /Quit: bye all/);
    await b.closed();
    // carol shares no channel with bob any more: she must not see the QUIT
    assert.ok(!(await c.sync()).some((m) => m.command === "QUIT"));
  } finally {
    await Promise.all([a, b, c].map((cl) => cl.close()));
    await server.shutdown();
  }
});

Deno.test("a second connection cannot take a nick in use, in any case", async () => {
  const server = await testServer();
  const a = await TestClient.register(server.addr.port, "Dana");
  const b = await TestClient.connect(server.addr.port);
  try {
    await b.send("NICK dANA");
    await b.send("USER d 0 * :D");
    assert.deepEqual((await b.expect("433")).params.slice(0, 2), ["*", "dANA"]);
    await b.send("NICK dana_");
    await b.expect("001");
  } finally {
    await a.close();
    await b.close();
    await server.shutdown();
  }
});

Deno.test("an over-long line gets 417, is not processed, and the client goes on", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const a = await TestClient.register(port, "long");
  const b = await TestClient.register(port, "reader");
  try {
    for (const cl of [a, b]) await cl.send("JOIN #c");
    await b.expect("366");
    await a.send("PRIVMSG #c :" + "x".repeat(600));
    await a.expect("417");
    await a.send("PRIVMSG #c :short one");
    const got = await b.expect("PRIVMSG");
    assert.equal(got.params[1], "short one");
  } finally {
    await a.close();
    await b.close();
    await server.shutdown();
  }
});

Deno.test("capabilities negotiated over TCP: echo-message with server-time", async () => {
  const server = await testServer();
  const a = await TestClient.register(server.addr.port, "echoer", ["echo-message", "server-time"]);
  try {
    await a.send("JOIN #e");
    await a.expect("366");
    await a.send("PRIVMSG #e :echo me");
    const m = await a.expect(text("PRIVMSG", "echo me"));
    assert.match(m.tags?.time ?? "", /^\d{4}-\d\d-\d\dT/);
  } finally {
    await a.close();
    await server.shutdown();
  }
});

Deno.test("a client that never reads is cut off at the sendq; the others get every message", async () => {
  const server = await testServer({ floodControl: false, limits: { sendqBytes: 64 * 1024 } });
  const port = server.addr.port;
  const sender = await TestClient.register(port, "sender");
  const reader = await TestClient.register(port, "reader");
  const staller = await TestClient.register(port, "staller");
  try {
    for (const cl of [sender, reader, staller]) {
      await cl.send("JOIN #flood");
      await cl.expect("366");
    }
    staller.pauseReading(); // from here on it reads nothing, like a hung client

    const body = "y".repeat(400);
    let sent = 0;
    let cutOff = false;
    // Bounded: at most 40,000 messages (~16 MB); kernel buffers hold a few MB.
    while (!cutOff && sent < 40_000) {
      const batch = [];
      for (let i = 0; i < 500; i++) batch.push(`PRIVMSG #flood :${sent++} ${body}`);
      await sender.send(batch.join("\r\n"));
      await sender.sync();
      cutOff = reader.lines.some((l) => l.includes(" QUIT ") && l.startsWith(":staller!"));
    }
    assert.ok(cutOff, `staller was not cut off after ${sent} messages`);
    const quit = await reader.expect((m) =>
      m.command === "QUIT" && m.source?.startsWith("staller!") === true
    );
    assert.equal(quit.params[0], "SendQ exceeded");
    // every message reached the reader, in order
    await reader.expectLine((l) => l.includes(`PRIVMSG #flood :${sent - 1} `), 20_000);
    const numbers = reader.lines
      .filter((l) => l.includes(" PRIVMSG #flood :"))
      .map((l) => Number(l.split(" :")[1]!.split(" ")[0]));
    assert.equal(numbers.length, sent);
    assert.ok(numbers.every((n, i) => n === i), "messages out of order");
  } finally {
    await Promise.all([sender, reader, staller].map((c) => c.close()));
    await server.shutdown();
  }
});
