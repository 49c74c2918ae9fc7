/**
 * SASL SCRAM-SHA-256 over real sockets: the `sasl` capability lists it, a right password logs in
 * (the server's signature checked by the test client), a wrong password or unknown account gets
 * 904, an over-long message 905, an unknown mechanism 908 with the list; and an account from
 * before SCRAM (no verifier) gains one at its next PLAIN login.
 */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { PASSWORD, withAccount } from "../helpers/accounts.ts";
import { scramLogin } from "../helpers/sasl_scram.ts";
import { testServer } from "../helpers/server.ts";
import { capLs } from "../helpers/cap_ls.ts";

/** A connection that negotiated `sasl` and holds registration. */
async function saslClient(port: number): Promise<TestClient> {
  const c = await TestClient.connect(port);
  assert.equal((await capLs(c)).get("sasl"), "PLAIN,SCRAM-SHA-256");
  await c.send("CAP REQ sasl");
  await c.expect((m) => m.command === "CAP" && m.params[1] === "ACK");
  return c;
}

Deno.test("SASL SCRAM-SHA-256: right password logs in, wrong one and unknown account fail", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const clients: TestClient[] = [];
  try {
    clients.push(await withAccount(port, "alice"));
    const wrong = await saslClient(port);
    clients.push(wrong);
    assert.equal(await scramLogin(wrong, "alice", "not-the-password"), "904");
    assert.equal(await scramLogin(wrong, "nobody", PASSWORD), "904");
    const right = await saslClient(port);
    clients.push(right);
    assert.equal(await scramLogin(right, "alice", PASSWORD), "903");
    await right.send("NICK alice2");
    await right.send("USER a 0 * :A");
    await right.send("CAP END");
    await right.expect("001");
    await right.send("WHOIS alice");
    const whois = await right.sync();
    assert.ok(whois.some((m) => m.command === "330" && m.params[2] === "alice"), "logged in");
    await right.send("AUTHENTICATE SCRAM-SHA-256"); // one login per connection
    await right.expect("907");
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});

Deno.test("SASL: an over-long SCRAM message is 905, an unknown mechanism 908 with the list", async () => {
  const server = await testServer();
  const c = await saslClient(server.addr.port);
  try {
    await c.send("AUTHENTICATE SCRAM-SHA-256");
    await c.expect("AUTHENTICATE");
    for (let i = 0; i < 4; i++) await c.send(`AUTHENTICATE ${"A".repeat(400)}`);
    await c.expect("905");
    await c.send("AUTHENTICATE DIGEST-MD5");
    assert.equal((await c.expect("908")).params[1], "PLAIN,SCRAM-SHA-256");
    await c.expect("904");
    await c.send("AUTHENTICATE EXTERNAL"); // not offered without TLS
    assert.equal((await c.expect("908")).params[1], "PLAIN,SCRAM-SHA-256");
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("SASL SCRAM-SHA-256: an account without a verifier gains one at its next PLAIN login", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-scram-" });
  const db = `${dir}/chat.db`;
  try {
    let server = await testServer({ db });
    (await withAccount(server.addr.port, "olduser")).close();
    await server.shutdown();
    const sqlite = new DatabaseSync(db);
    sqlite.exec("UPDATE accounts SET scram = NULL"); // as an account made before SCRAM
    sqlite.close();

    server = await testServer({ db });
    const port = server.addr.port;
    const clients: TestClient[] = [];
    try {
      const before = await saslClient(port);
      clients.push(before);
      assert.equal(await scramLogin(before, "olduser", PASSWORD), "904");
      await before.send("AUTHENTICATE PLAIN");
      await before.expect("AUTHENTICATE");
      await before.send(`AUTHENTICATE ${btoa(`\0olduser\0${PASSWORD}`)}`);
      await before.expect("903");
      const after = await saslClient(port);
      clients.push(after);
      assert.equal(await scramLogin(after, "olduser", PASSWORD), "903");
    } finally {
      for (const c of clients) await c.close();
      await server.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SASL SCRAM-SHA-256: guesses spend the auth throttle's per-account budget like PLAIN", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const clients: TestClient[] = [];
  try {
    clients.push(await withAccount(port, "alice"));
    const guesser = await saslClient(port);
    clients.push(guesser);
    for (let i = 0; i < 5; i++) {
      assert.equal(await scramLogin(guesser, "alice", `guess${i}`), "904");
    }
    assert.equal(await scramLogin(guesser, "alice", PASSWORD), "904", "throttled, even if right");
    assert.equal(guesser.lines.at(-1)!.split(" :").at(-1), "Too many attempts; try again later");
  } finally {
    for (const c of clients) await c.close();
    await server.shutdown();
  }
});
