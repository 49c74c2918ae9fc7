import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

Deno.test("a client that does not finish registering is dropped", async () => {
  const server = await testServer({ limits: { registrationTimeoutMs: 300 } });
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("NICK slowpoke");
    const err = await c.expect("ERROR");
    assert.match(err.params[0]!, /Registration timed out/);
    await c.closed();
    assert.equal(server.connectionCount, 0);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("the server PINGs idle clients and drops the ones that do not answer", async () => {
  const server = await testServer({ limits: { pingIntervalMs: 200, pingTimeoutMs: 300 } });
  const port = server.addr.port;
  const mute = await TestClient.register(port, "mute");
  const live = await TestClient.register(port, "live");
  try {
    await mute.send("JOIN #p");
    await live.send("JOIN #p");
    await live.expect("366");
    const ping = await live.expect("PING");
    await live.send(`PONG :${ping.params[0]}`);
    await mute.expect("PING");
    assert.match((await mute.expect("ERROR")).params[0]!, /Ping timeout/);
    const quit = await live.expect("QUIT");
    assert.match(quit.params[0]!, /^Ping timeout: \d+ seconds$/);
    assert.equal(server.connectionCount, 1);
  } finally {
    await mute.close();
    await live.close();
    await server.shutdown();
  }
});

Deno.test("shutdown tells IRC and plain-text clients, then closes everything", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 100 } });
  const port = server.addr.port;
  const irc = await TestClient.register(port, "ircuser");
  const nc = await TestClient.connect(port);
  try {
    await nc.send("plainuser");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await server.shutdown("Going down for tests");
    assert.match((await irc.expect("ERROR")).params[0]!, /Going down for tests/);
    await nc.expectLine((l) => l === "*** Disconnected: Going down for tests");
    await irc.closed();
    await nc.closed();
    assert.equal(server.connectionCount, 0);
    await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
  } finally {
    await irc.close();
    await nc.close();
  }
});
