/**
 * SEARCH (soju.im/search) over real sockets: a member finds a channel's stored messages and a
 * non-member gets a FAIL and nothing else; private messages are found by their owners only; bad
 * attributes, FTS5 syntax and no account; pruning takes messages out of the results; `/search`
 * in the plain-text door.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { defaultConfig } from "../../server/config.ts";
import { openSqliteStores } from "../../server/store/stores.ts";
import { testServer } from "../helpers/server.ts";

const CAPS = ["soju.im/search", "batch", "server-time", "message-tags"];
const PASSWORD = "correct-horse-battery";

/** A connection registered as `nick`, with an account of that name. */
async function withAccount(port: number, nick: string) {
  const c = await TestClient.register(port, nick, CAPS);
  await c.send(`PRIVMSG NickServ :REGISTER ${PASSWORD}`);
  await c.expect("900"); // RPL_LOGGEDIN
  return c;
}

/** Sends a SEARCH and returns the messages of its `soju.im/search` batch. */
async function search(c: TestClient, attributes: string): Promise<Message[]> {
  await c.send(`SEARCH ${attributes}`);
  const start = await c.expect((m) => m.command === "BATCH" && m.params[1] === "soju.im/search");
  const id = start.params[0]!.slice(1);
  const found: Message[] = [];
  for (;;) {
    const m = await c.expect((m) => m.tags?.batch === id || m.command === "BATCH");
    if (m.command === "BATCH") {
      assert.equal(m.params[0], `-${id}`);
      return found;
    }
    found.push(m);
  }
}

/** Sends a SEARCH that must fail; returns the FAIL's parameters, after checking nothing else came. */
async function refused(c: TestClient, attributes: string): Promise<string[]> {
  await c.send(`SEARCH ${attributes}`);
  const fail = await c.expect("FAIL");
  const rest = await c.sync();
  assert.ok(!rest.some((m) => m.command === "BATCH" || m.command === "PRIVMSG"), attributes);
  return fail.params;
}

const texts = (ms: Message[]) => ms.map((m) => m.params[1]);

Deno.test("search: a member finds a channel's messages; a non-member is refused, nothing leaked", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const bob = await withAccount(port, "bob");
  const carol = await withAccount(port, "carol");
  try {
    for (const c of [alice, bob]) {
      await c.send("JOIN #x");
      await c.expect("366");
    }
    await bob.send("PRIVMSG #x :the launch code is banana");
    await bob.send("PRIVMSG #x :nothing to see here");
    await alice.expect((m) => m.params[1] === "nothing to see here");

    const found = await search(alice, "text=BANANA;in=#x");
    assert.deepEqual(texts(found), ["the launch code is banana"]);
    assert.equal(found[0]!.source, "bob!~bob@127.0.0.1");
    assert.equal(found[0]!.params[0], "#x");
    assert.ok(found[0]!.tags?.msgid, "msgid tag");
    assert.ok(Date.parse(found[0]!.tags?.time ?? "") > 0, "time tag");
    assert.deepEqual(texts(await search(alice, "text=banana")), ["the launch code is banana"]);
    assert.deepEqual(texts(await search(alice, "from=BOB;in=#x;limit=1")), [
      "nothing to see here",
    ]);

    // not on the channel: the same FAIL whether it exists or not, and a search of everything
    // the user may read does not reach into it
    for (const where of ["#x", "#nowhere"]) {
      assert.deepEqual(
        (await refused(carol, `text=banana;in=${where}`)).slice(0, 3),
        ["SEARCH", "INVALID_PARAMS", "in"],
      );
    }
    assert.deepEqual(await search(carol, "text=banana"), []);

    // membership is checked when asked: after leaving, alice is refused too
    await alice.send("PART #x");
    await alice.expect("PART");
    assert.equal((await refused(alice, "text=banana;in=#x"))[1], "INVALID_PARAMS");
    assert.deepEqual(await search(alice, "text=banana"), []);
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("search: private messages are found by their owners only", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const bob = await withAccount(port, "bob");
  const carol = await withAccount(port, "carol");
  try {
    await alice.send("PRIVMSG bob :meet me at noon");
    await bob.expect((m) => m.command === "PRIVMSG" && m.params[1] === "meet me at noon");
    assert.deepEqual(texts(await search(alice, "text=noon")), ["meet me at noon"]);
    assert.deepEqual(texts(await search(alice, "text=noon;in=bob")), ["meet me at noon"]);
    assert.deepEqual(texts(await search(bob, "text=noon;in=alice")), ["meet me at noon"]);
    assert.deepEqual(texts(await search(bob, "text=noon")), ["meet me at noon"]);
    // carol reads neither copy, whatever she names
    assert.deepEqual(await search(carol, "text=noon"), []);
    assert.deepEqual(await search(carol, "text=noon;in=alice"), []);
    assert.deepEqual(await search(carol, "text=noon;in=bob"), []);
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("search: bad attributes and no account get a FAIL; FTS5 syntax is just words", async () => {
  const history = { ...defaultConfig().history, queryLimit: 2 };
  const server = await testServer({ history, floodControl: false });
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const guest = await TestClient.register(port, "guest", CAPS);
  try {
    assert.deepEqual(
      (await refused(guest, "text=anything")).slice(0, 2),
      ["SEARCH", "ACCOUNT_REQUIRED"],
    );
    const bad: [string, string][] = [
      ["", "*"],
      ["colour=red", "colour"],
      ["limit=0", "limit"],
      ["limit=-3", "limit"],
      ["limit=lots", "limit"],
      ["after=yesterday", "after"],
      ["before=2026-13-45T99:00:00.000Z", "before"],
      ["after=2026-02-01T00:00:00.000Z;before=2026-01-01T00:00:00.000Z", "after"],
      ["text=***", "text"],
      ['text="', "text"],
      ["text=a;text=b", "text"],
      ["in=", "in"],
    ];
    for (const [attributes, at] of bad) {
      const params = await refused(alice, attributes === "" ? "" : attributes);
      assert.deepEqual(params.slice(0, 3), ["SEARCH", "INVALID_PARAMS", at], attributes);
    }

    await alice.send("JOIN #x");
    await alice.expect("366");
    for (const text of ["quick and near (the end)", "one", "two", "three"]) {
      await alice.send(`PRIVMSG #x :${text}`);
    }
    await alice.sync();
    // a client's quotes, operators, parentheses and stars are words to find, not FTS5 syntax
    for (const text of ['"quick" AND (NEAR*', "quick OR", "NOT near", "text:quick"]) {
      await alice.send(`SEARCH :text=${text};in=#x`);
      const answer = await alice.expect((m) => m.command === "BATCH" || m.command === "FAIL");
      assert.equal(answer.command, "BATCH", text);
      await alice.sync();
    }
    assert.deepEqual(texts(await search(alice, 'text="quick"\\sAND\\s(NEAR*;in=#x')), [
      "quick and near (the end)",
    ]);
    // a limit past the server's history query limit is cut to it
    assert.deepEqual(texts(await search(alice, "in=#x;limit=50")), ["two", "three"]);
  } finally {
    for (const c of [alice, guest]) await c.close();
    await server.shutdown();
  }
});

Deno.test("search: pruned messages are no longer found", async () => {
  const stores = openSqliteStores(":memory:");
  const server = await testServer({}, { stores });
  const alice = await withAccount(server.addr.port, "alice");
  try {
    await alice.send("JOIN #x");
    await alice.expect("366");
    await alice.send("PRIVMSG #x :an old secret");
    await alice.sync();
    assert.deepEqual(texts(await search(alice, "text=secret;in=#x")), ["an old secret"]);
    await stores.history.prune({ maxAgeMs: 1, maxPerConversation: 0 }, Date.now() + 60_000);
    assert.deepEqual(await search(alice, "text=secret;in=#x"), []);
  } finally {
    await alice.close();
    await server.shutdown();
    await stores.close();
  }
});

Deno.test("search: /search in the plain-text door", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 100 } });
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const nc = await TestClient.connect(port);
  const has = (s: string) => (l: string) => l.includes(s);
  try {
    await alice.send("JOIN #lobby");
    await alice.expect("366");
    await alice.send("PRIVMSG #lobby :pineapple on pizza; discuss");
    await alice.sync();

    await nc.expectLine(has("Pick a nickname:"));
    await nc.send("bob");
    await nc.expectLine(has("* You joined #lobby"));
    await nc.send("/search pineapple");
    await nc.expectLine(has("! Log in to an account to search history"));
    await nc.send(`/register ${PASSWORD}`);
    await nc.expectLine(has("you are logged in"));
    await nc.send("/search PINEAPPLE on; discuss");
    await nc.expectLine(has("*** Search: 1 message found"));
    const line = await nc.expectLine(has("pineapple"));
    assert.match(
      line,
      /^\*\*\* \[\d{4}-\d\d-\d\d \d\d:\d\d\] #lobby <alice> pineapple on pizza; discuss$/,
    );
    await nc.expectLine(has("*** End of search"));
    await nc.send("/search * pizza");
    await nc.expectLine(has("*** Search: 1 message found"));
    await nc.send("/search #elsewhere pizza");
    await nc.expectLine(has("! You are not on that channel"));
    await nc.send("/search");
    await nc.expectLine(has("! Usage: /search"));
  } finally {
    for (const c of [alice, nc]) await c.close();
    await server.shutdown();
  }
});
