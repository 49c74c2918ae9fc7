import assert from "node:assert/strict";
import { scryptRuns } from "../../server/credentials.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const b64 = (s: string) => btoa(s);

Deno.test("1,000 PASS lines in one write: one scrypt, welcome at once", async () => {
  const server = await testServer({ password: "sesame" });
  const c = await TestClient.connect(server.addr.port);
  try {
    const runs = scryptRuns();
    const started = performance.now();
    const lines = Array.from({ length: 1000 }, (_, i) => `PASS guess${i}`);
    await c.send([...lines, "PASS sesame", "NICK p", "USER p 0 * :P"].join("\r\n"));
    await c.expect("001", 3000); // 1,000 hashes would take 30 s and more
    const ms = performance.now() - started;
    assert.equal(scryptRuns() - runs, 1);
    console.log(`1,000 PASS lines + registration: ${ms.toFixed(0)} ms, 1 scrypt`);
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("SASL spraying from one address (not exempt): throttled, then the connection closed", async () => {
  const server = await testServer({ exempt: [] });
  const port = server.addr.port;
  const first = await TestClient.connect(port);
  const second = await TestClient.connect(port);
  try {
    for (const c of [first, second]) {
      await c.send("CAP LS 302"); // an IRC client (not the plain-text door), registration held
      await c.expect("CAP");
    }
    const runs = scryptRuns();
    const attempt = async (c: TestClient, account: string) => {
      await c.send("AUTHENTICATE PLAIN");
      await c.expect("AUTHENTICATE");
      await c.send(`AUTHENTICATE ${b64(`\0${account}\0Summer2024!`)}`);
    };
    for (let i = 0; i < 9; i++) {
      await attempt(first, `acct${i}`);
      assert.equal((await first.expect("904")).params[1], "SASL authentication failed");
    }
    await attempt(second, "acct9"); // the address's 10th check
    assert.equal((await second.expect("904")).params[1], "SASL authentication failed");
    await attempt(second, "acct10");
    assert.equal((await second.expect("904")).params[1], "Too many attempts; try again later");
    assert.equal(scryptRuns() - runs, 10);
    // the first connection's 10th failure (a refused one) ends it
    await attempt(first, "acct11");
    const error = await first.expect("ERROR");
    assert.equal(error.params[0], "Closing Link: 127.0.0.1 (Too many failed login attempts)");
    await first.closed();
    assert.equal(scryptRuns() - runs, 10);
  } finally {
    await first.close();
    await second.close();
    await server.shutdown();
  }
});
