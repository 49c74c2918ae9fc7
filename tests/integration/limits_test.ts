import assert from "node:assert/strict";
import { createLogger } from "../../server/log.ts";
import { COMMANDS } from "../../server/commands/index.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";

Deno.test("flood control delays commands past the burst and drops none", async () => {
  const server = await testServer({ limits: { floodBurst: 5, floodRatePerSecond: 20 } });
  const port = server.addr.port;
  const a = await TestClient.register(port, "fast");
  const b = await TestClient.register(port, "listener");
  try {
    for (const c of [a, b]) await c.send("JOIN #f");
    await b.expect("366");
    await a.expect("366");
    await a.sync();
    const started = Date.now();
    await a.send(Array.from({ length: 30 }, (_, i) => `PRIVMSG #f :m${i}`).join("\r\n"));
    await a.sync(); // the PONG comes after all 30 were run
    const elapsed = Date.now() - started;
    // at least 25 commands beyond a burst of 5 at 20/s: not done in less than 1.25 s
    assert.ok(elapsed >= 1000, `flood control did not delay: ${elapsed} ms`);
    const got = [];
    for (let i = 0; i < 30; i++) got.push((await b.expect("PRIVMSG")).params[1]);
    assert.deepEqual(got, Array.from({ length: 30 }, (_, i) => `m${i}`));
  } finally {
    await a.close();
    await b.close();
    await server.shutdown();
  }
});

Deno.test("a client flooding far past the limit is disconnected with Excess flood", async () => {
  const server = await testServer({ limits: { recvqBytes: 4096 } });
  const port = server.addr.port;
  const flooder = await TestClient.register(port, "flooder");
  const other = await TestClient.register(port, "other");
  try {
    for (const c of [flooder, other]) await c.send("JOIN #f");
    await other.expect("366");
    await flooder.send(
      Array.from({ length: 500 }, (_, i) => `PRIVMSG #f :flood ${i}`).join("\r\n"),
    );
    assert.match((await flooder.expect("ERROR")).params[0]!, /Excess flood/);
    const quit = await other.expect("QUIT");
    assert.deepEqual(quit.params, ["Excess flood"]);
    const delivered = other.lines.filter((l) => l.includes("PRIVMSG #f :flood")).length;
    assert.ok(delivered < 500, "the flood was cut short");
  } finally {
    await flooder.close();
    await other.close();
    await server.shutdown();
  }
});

Deno.test("without flood control a fast client is never delayed or cut off", async () => {
  const server = await testServer({ floodControl: false });
  const port = server.addr.port;
  const a = await TestClient.register(port, "bulk");
  const b = await TestClient.register(port, "sink");
  try {
    for (const c of [a, b]) await c.send("JOIN #f");
    await b.expect("366");
    await a.send(Array.from({ length: 2000 }, (_, i) => `PRIVMSG #f :n${i}`).join("\r\n"));
    await b.expectLine((l) => l.endsWith("PRIVMSG #f :n1999"));
    assert.equal(b.lines.filter((l) => l.includes(" PRIVMSG #f :n")).length, 2000);
  } finally {
    await a.close();
    await b.close();
    await server.shutdown();
  }
});

Deno.test("per-IP connection limit and throttle refuse with an ERROR line", async () => {
  const server = await testServer({
    exempt: [],
    limits: { maxConnectionsPerIp: 3, throttleBurst: 5, throttleRatePerMinute: 1 },
  });
  const port = server.addr.port;
  const open = await Promise.all([1, 2, 3].map(() => TestClient.connect(port)));
  try {
    const fourth = await TestClient.connect(port);
    const err = await fourth.expect("ERROR");
    assert.equal(err.params[0], "Closing Link: 127.0.0.1 (Too many connections from your IP)");
    await fourth.closed();
    await open[0]!.close();
    // the server notices the close, then a new connection fits again (5th of the burst)
    await waitUntil(() => server.connectionCount === 2, "the server saw the close");
    const fifth = await TestClient.connect(port);
    await fifth.send("NICK fifth");
    await fifth.send("USER f 0 * :F");
    await fifth.expect("001");
    await fifth.close();
    const sixth = await TestClient.connect(port); // burst of 5 used up
    assert.match((await sixth.expect("ERROR")).params[0]!, /Connecting too fast/);
    await sixth.close();
  } finally {
    await Promise.all(open.map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("loopback is exempt from per-IP limits by default", async () => {
  const server = await testServer({ limits: { maxConnectionsPerIp: 2, throttleBurst: 2 } });
  const clients = await Promise.all(
    Array.from({ length: 10 }, (_, i) => TestClient.register(server.addr.port, `local${i}`)),
  );
  try {
    assert.equal(server.connectionCount, 10);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("CR, LF and NUL in topics, reasons, realnames and away messages never reach others", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const a = await TestClient.register(port, "injector", ["away-notify", "setname"]);
  const b = await TestClient.register(port, "victim", ["away-notify", "setname"]);
  try {
    for (const c of [a, b]) await c.send("JOIN #i");
    await b.expect("366");
    const evil = "x\rQUIT :pwned\0y";
    await a.send(`TOPIC #i :${evil}`);
    await a.send(`AWAY :${evil}`);
    await a.send(`SETNAME :${evil}`);
    await a.send(`PRIVMSG #i :${evil}`);
    await a.send(`KICK #i victim :${evil}`);
    await b.expect("KICK");
    const bad = b.lines.filter((l) => /[\r\0]/.test(l));
    assert.deepEqual(bad, []);
    // a CR or NUL inside a line becomes U+FFFD as it is read: the line stays one line
    assert.ok(b.lines.some((l) => l.endsWith("TOPIC #i :x\ufffdQUIT :pwned\ufffdy")));
    assert.ok(!b.lines.some((l) => l.startsWith("QUIT")));
    await a.send(`QUIT :${evil}`);
    await a.expect("ERROR");
  } finally {
    await a.close();
    await b.close();
    await server.shutdown();
  }
});

Deno.test("control characters in nicks and channel names get 432 / 476", async () => {
  const server = await testServer();
  const c = await TestClient.register(server.addr.port, "namer");
  try {
    for (const nick of ["a\rb", "a\x01b", "a\x7fb"]) {
      await c.send(`NICK ${nick}`);
      // the reply shows the name with CR replaced: it can never carry a bare CR
      assert.equal((await c.expect("432")).params[1], nick.replace("\r", "\ufffd"));
    }
    for (const chan of ["#a\rb", "#a\x07b", "#a\x00b"]) {
      await c.send(`JOIN ${chan}`);
      assert.equal((await c.expect("476")).params[1], chan.replace(/[\r\0]/, "\ufffd"));
    }
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("an exception in one client's command ends only that client, logged with context", async () => {
  const logged: string[] = [];
  const commands = new Map(COMMANDS);
  commands.set("BOOM", {
    minParams: 0,
    handler() {
      throw new Error("kaboom");
    },
  });
  const server = await testServer({}, {
    commands,
    log: createLogger("error", (l) => logged.push(l)),
  });
  const port = server.addr.port;
  const bad = await TestClient.register(port, "bad");
  const a = await TestClient.register(port, "good1");
  const b = await TestClient.register(port, "good2");
  try {
    for (const c of [bad, a, b]) await c.send("JOIN #x");
    await b.expect("366");
    await bad.send("BOOM");
    assert.match((await bad.expect("ERROR")).params[0]!, /Internal error/);
    assert.deepEqual((await a.expect("QUIT")).params, ["Internal error"]);
    await a.send("PRIVMSG #x :still here");
    assert.equal((await b.expect("PRIVMSG")).params[1], "still here");
    assert.ok(logged.some((l) => /127\.0\.0\.1:\d+ \(bad\) failed on BOOM: Error: kaboom/.test(l)));
  } finally {
    await Promise.all([bad, a, b].map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("LIST of 6,000 channels goes out as the client reads: a small sendq is never exceeded", async () => {
  const server = await testServer({
    floodControl: false,
    limits: { sendqBytes: 64 * 1024, maxChannels: 6000 },
  });
  const port = server.addr.port;
  const builder = await TestClient.register(port, "builder");
  const lister = await TestClient.register(port, "lister");
  const stalled = await TestClient.register(port, "stalled");
  const quitter = await TestClient.register(port, "quitter");
  const labeled = await TestClient.register(port, "labeled", ["labeled-response", "batch"]);
  try {
    const topic = "t".repeat(300);
    for (let i = 0; i < 6000; i += 50) {
      const names = Array.from({ length: 50 }, (_, k) => `#c${i + k}`);
      await builder.send(`JOIN ${names.join(",")}`);
      await builder.send(names.map((n) => `TOPIC ${n} :${n} ${topic}`).join("\r\n"));
      await builder.sync();
    }
    // ~2.1 MB of 322 lines through a 64 KiB sendq; one asker does not read for a while
    stalled.pauseReading();
    await stalled.send("LIST");
    const started = performance.now();
    await lister.send("LIST");
    await lister.expect("323", 30_000);
    const ms = Math.round(performance.now() - started);
    const entries = lister.lines.filter((l) => / 322 lister #c\d+ 1 :#c\d+ t+$/.test(l));
    assert.equal(entries.length, 6000);
    await lister.sync(); // still connected, and its next command runs
    // labeled, the reply is not held whole: its labeled-response batch opens early
    await labeled.send("@label=big LIST");
    const open = await labeled.expect("BATCH");
    assert.deepEqual(open.tags, { label: "big" });
    assert.equal(open.params[1], "labeled-response");
    const id = open.params[0]!.slice(1);
    assert.deepEqual((await labeled.expect("BATCH", 30_000)).params, [`-${id}`]);
    const inBatch = labeled.lines.filter((l) => l.startsWith(`@batch=${id} `) && / 322 /.test(l));
    assert.equal(inBatch.length, 6000);
    await labeled.sync();
    // one that leaves mid-listing ends its listing with its connection
    await quitter.send("LIST");
    await quitter.expect("322");
    await quitter.close();
    await waitUntil(() => server.connectionCount === 4, "the quitter is gone");
    // the stalled asker was waited for, not cut off: it gets the whole list once it reads
    stalled.resumeReading();
    await stalled.expect("323", 30_000);
    assert.equal(stalled.lines.filter((l) => / 322 stalled #c\d+ 1 /.test(l)).length, 6000);
    await stalled.sync();
    console.log(`LIST of 6,000 channels (2.1 MB) through a 64 KiB sendq: ${ms} ms`);
  } finally {
    await Promise.all([builder, lister, stalled, quitter, labeled].map((c) => c.close()));
    await server.shutdown();
  }
});

Deno.test("CHATHISTORY and the JOIN replay of messages with 4 KB tags fit a small sendq", async () => {
  const server = await testServer({ floodControl: false, limits: { sendqBytes: 64 * 1024 } });
  const port = server.addr.port;
  const writer = await TestClient.register(port, "writer", ["message-tags"]);
  const clients = [writer];
  try {
    await writer.send("JOIN #c");
    await writer.expect("366");
    const big = "v".repeat(4000);
    for (let i = 0; i < 150; i += 10) {
      const lines = Array.from({ length: 10 }, (_, k) => `@+big=${big} PRIVMSG #c :m${i + k}`);
      await writer.send(lines.join("\r\n"));
    }
    await writer.sync();
    const history = ["batch", "server-time", "message-tags"];
    // ~615 KB of history asked for at once, through a 64 KiB sendq
    const reader = await TestClient.register(port, "reader", ["draft/chathistory", ...history]);
    clients.push(reader);
    await reader.send("JOIN #c");
    await reader.expect("366");
    await reader.send("CHATHISTORY LATEST #c * 150");
    const open = await reader.expect("BATCH");
    const id = open.params[0]!.slice(1);
    assert.equal(open.params[1], "chathistory");
    const texts: string[] = [];
    for (let i = 0; i < 150; i++) {
      const m = await reader.expect("PRIVMSG");
      assert.equal(m.tags?.batch, id);
      assert.equal(m.tags?.["+big"], big);
      texts.push(m.params[1]!);
    }
    assert.deepEqual(texts, Array.from({ length: 150 }, (_, i) => `m${i}`));
    assert.deepEqual((await reader.expect("BATCH")).params, [`-${id}`]);
    await reader.sync();
    // a client without draft/chathistory gets the last 30 replayed on JOIN (~123 KB)
    const joiner = await TestClient.register(port, "joiner", history);
    clients.push(joiner);
    await joiner.send("JOIN #c");
    await joiner.expect("BATCH");
    const replayed: string[] = [];
    for (let i = 0; i < 30; i++) replayed.push((await joiner.expect("PRIVMSG")).params[1]!);
    assert.deepEqual(replayed, Array.from({ length: 30 }, (_, i) => `m${120 + i}`));
    await joiner.expect("BATCH");
    await joiner.sync();
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await server.shutdown();
  }
});
