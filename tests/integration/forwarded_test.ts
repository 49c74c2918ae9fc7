/**
 * X-Forwarded-For and Forwarded on the web port, over real sockets: believed from a trusted
 * proxy (the address WHOIS shows, the one the per-IP limits count), ignored from anyone else.
 */

import assert from "node:assert/strict";
import type { RunningServer } from "../../server/server.ts";
import { testServer } from "../helpers/server.ts";
import { HandshakeError, WsTestClient } from "../helpers/ws_client.ts";

const wsUrl = (server: RunningServer) => `ws://127.0.0.1:${server.webAddr!.port}/`;

/** Registers over WebSocket with `headers` and returns the host its own WHOIS shows. */
async function hostWith(server: RunningServer, nick: string, headers: Record<string, string>) {
  const c = await WsTestClient.register(wsUrl(server), nick, ["text.ircv3.net"], headers);
  try {
    c.send(`WHOIS ${nick}`);
    return (await c.expect("311")).params[3];
  } finally {
    await c.close();
  }
}

Deno.test("web port: X-Forwarded-For and Forwarded from a trusted proxy set the address", async () => {
  const server = await testServer({ webPort: 0, proxyFrom: ["127.0.0.1"] });
  try {
    assert.equal(
      await hostWith(server, "xff", { "X-Forwarded-For": "198.51.100.7" }),
      "198.51.100.7",
    );
    // what the client wrote itself is left of what the proxy appended: never reached
    assert.equal(
      await hostWith(server, "forger", { "X-Forwarded-For": "6.6.6.6, 198.51.100.8" }),
      "198.51.100.8",
    );
    assert.equal(
      await hostWith(server, "fwd", { "Forwarded": 'for="[2001:db8:cafe::17]:4711"' }),
      "2001:db8:cafe::17",
    );
    assert.equal(await hostWith(server, "direct", {}), "127.0.0.1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("web port: forwarding fields from an untrusted peer are ignored", async () => {
  const server = await testServer({ webPort: 0 }); // no --proxy-from
  try {
    assert.equal(
      await hostWith(server, "liar", { "X-Forwarded-For": "198.51.100.7" }),
      "127.0.0.1",
    );
    assert.equal(await hostWith(server, "liar2", { "Forwarded": "for=198.51.100.7" }), "127.0.0.1");
  } finally {
    await server.shutdown();
  }
});

Deno.test("web port: per-IP limits count the forwarded client, not the exempt proxy", async () => {
  const server = await testServer({
    webPort: 0,
    proxyFrom: ["127.0.0.1"],
    limits: { maxConnectionsPerIp: 1, throttleBurst: 50 },
  });
  const clients: WsTestClient[] = [];
  try {
    const as = (ip: string) => ({ "X-Forwarded-For": ip });
    clients.push(await WsTestClient.register(wsUrl(server), "one", undefined, as("203.0.113.60")));
    await assert.rejects(
      WsTestClient.connect(wsUrl(server), undefined, as("203.0.113.60")),
      (err) => err instanceof HandshakeError && /429/.test(err.message),
    );
    clients.push(await WsTestClient.register(wsUrl(server), "two", undefined, as("203.0.113.61")));
    // the page itself is served to the proxy whatever its clients' limits
    const page = await fetch(`http://127.0.0.1:${server.webAddr!.port}/`, {
      headers: as("203.0.113.60"),
    });
    assert.equal(page.status, 200);
    await page.body?.cancel();
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});
