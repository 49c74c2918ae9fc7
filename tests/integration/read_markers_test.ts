/**
 * Read markers (draft/read-marker) over real sockets: set on one connection of an account, told
 * to its others, sent after a JOIN, kept monotonic, and refused to those without an account or
 * outside the channel.
 */
import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const CAPS = ["draft/read-marker", "server-time"];

/** A connection registered as `nick` and logged in to `account` (registered on first use). */
async function loggedIn(port: number, nick: string, account: string, register: boolean) {
  const c = await TestClient.register(port, nick, CAPS);
  const verb = register ? "REGISTER" : `IDENTIFY ${account}`;
  await c.send(`PRIVMSG NickServ :${verb} correct-horse-battery`);
  await c.expect((m) => m.command === "900"); // RPL_LOGGEDIN
  return c;
}

const marker = (c: TestClient, target: string) =>
  c.expect((m) => m.command === "MARKREAD" && m.params[0] === target);

Deno.test("read markers: set on one connection of an account, told to the other; only forward", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await loggedIn(port, "alice", "alice", true);
  const phone = await loggedIn(port, "alice_phone", "alice", false);
  const bob = await TestClient.register(port, "bob", CAPS);
  try {
    await laptop.send("JOIN #x");
    assert.deepEqual((await marker(laptop, "#x")).params, ["#x", "*"], "no marker yet, after JOIN");
    await laptop.expect("366");
    await phone.send("JOIN #x");
    await marker(phone, "#x");
    await bob.send("JOIN #x");
    await bob.expect("366");

    const at = "2026-01-02T03:04:05.678Z";
    await laptop.send(`MARKREAD #x timestamp=${at}`);
    assert.deepEqual((await marker(laptop, "#x")).params, ["#x", `timestamp=${at}`]);
    assert.deepEqual((await marker(phone, "#x")).params, ["#x", `timestamp=${at}`]);

    // an older marker does not move it back: the sender is told the one kept, nobody else
    await phone.send("MARKREAD #x timestamp=2025-01-01T00:00:00.000Z");
    assert.deepEqual((await marker(phone, "#x")).params, ["#x", `timestamp=${at}`]);
    await phone.send("MARKREAD #x");
    assert.deepEqual((await marker(phone, "#x")).params, ["#x", `timestamp=${at}`], "get");
    const laptopSaw = await laptop.sync();
    assert.ok(!laptopSaw.some((m) => m.command === "MARKREAD"), "an unchanged marker is not told");

    // a private conversation's marker; a marker in the future is kept as now
    await laptop.send("MARKREAD bob timestamp=2999-01-01T00:00:00.000Z");
    const kept = Date.parse((await marker(laptop, "bob")).params[1]!.slice("timestamp=".length));
    assert.ok(kept <= Date.now() && kept > Date.now() - 60_000, "clamped to now");

    // bob has no account, and never sees alice's markers
    await bob.send(`MARKREAD #x timestamp=${at}`);
    const fail = await bob.expect("FAIL");
    assert.deepEqual(fail.params.slice(0, 3), ["MARKREAD", "ACCOUNT_REQUIRED", "#x"]);
    assert.ok(!(await bob.sync()).some((m) => m.command === "MARKREAD"));
  } finally {
    for (const c of [laptop, phone, bob]) await c.close();
    await server.shutdown();
  }
});

Deno.test("read markers: bad input gets FAIL and changes nothing", async () => {
  const server = await testServer();
  const alice = await loggedIn(server.addr.port, "alice", "alice", true);
  try {
    const fails: [string, string[]][] = [
      ["MARKREAD", ["MARKREAD", "NEED_MORE_PARAMS"]],
      ["MARKREAD #elsewhere timestamp=2026-01-02T03:04:05.678Z", [
        "MARKREAD",
        "INVALID_PARAMS",
        "#elsewhere",
      ]],
      ["MARKREAD bob yesterday", ["MARKREAD", "INVALID_PARAMS", "yesterday"]],
      ["MARKREAD bob timestamp=2026-13-45T99:00:00.000Z", ["MARKREAD", "INVALID_PARAMS"]],
      ["MARKREAD bad,nick timestamp=2026-01-02T03:04:05.678Z", ["MARKREAD", "INVALID_PARAMS"]],
    ];
    for (const [line, want] of fails) {
      await alice.send(line);
      const fail = await alice.expect("FAIL");
      assert.deepEqual(fail.params.slice(0, want.length), want, line);
    }
    await alice.send("MARKREAD bob");
    assert.deepEqual((await marker(alice, "bob")).params, ["bob", "*"], "nothing was kept");
  } finally {
    await alice.close();
    await server.shutdown();
  }
});
