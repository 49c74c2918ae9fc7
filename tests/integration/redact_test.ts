/**
 * REDACT (IRCv3 `draft/message-redaction`) over real sockets, following the spec's examples: a
 * sender deletes its own message and a channel operator someone else's; members with the
 * capability see the REDACT, those without it a NOTICE; a non-operator, an unknown msgid, a
 * channel one is not on and an expired window get their FAIL; CHATHISTORY and SEARCH no longer
 * return the message; a private message leaves both parties' history.
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { DEFAULT_HISTORY } from "../../server/config.ts";
import { withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";
import { DatabaseLock } from "../helpers/db_lock.ts";

const CAPS = [
  "draft/message-redaction",
  "message-tags",
  "echo-message",
  "batch",
  "draft/chathistory",
  "server-time",
  "soju.im/search",
];

/** Sends a PRIVMSG with echo-message and returns its msgid. */
async function said(c: TestClient, target: string, text: string): Promise<string> {
  await c.send(`PRIVMSG ${target} :${text}`);
  const echo = await c.expect((m) => m.command === "PRIVMSG" && m.params[1] === text);
  return echo.tags!.msgid!;
}

/** The texts of a CHATHISTORY LATEST batch. */
async function history(c: TestClient, target: string): Promise<string[]> {
  await c.send(`CHATHISTORY LATEST ${target} * 50`);
  const start = await c.expect((m) => m.command === "BATCH" && m.params[1] === "chathistory");
  const id = start.params[0]!.slice(1);
  const texts: string[] = [];
  for (;;) {
    const m = await c.expect((m) => m.tags?.batch === id || m.command === "BATCH");
    if (m.command === "BATCH") return texts;
    texts.push(m.params[1]!);
  }
}

/** The texts a SEARCH finds. */
async function search(c: TestClient, attributes: string): Promise<string[]> {
  await c.send(`SEARCH ${attributes}`);
  const start = await c.expect((m) => m.command === "BATCH" && m.params[1] === "soju.im/search");
  const id = start.params[0]!.slice(1);
  const texts: string[] = [];
  for (;;) {
    const m = await c.expect((m) => m.tags?.batch === id || m.command === "BATCH");
    if (m.command === "BATCH") return texts;
    texts.push(m.params[1]!);
  }
}

/** Sends a REDACT that must fail; returns the FAIL's parameters. */
async function refused(c: TestClient, line: string): Promise<string[]> {
  await c.send(line);
  return (await c.expect((m) => m.command === "FAIL" || m.command === "REDACT")).params;
}

const isRedact = (m: Message) => m.command === "REDACT";

Deno.test("REDACT: own message and an op's; REDACT to the capable, NOTICE to the rest; history and search forget", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice", CAPS); // creates #c: op
  const bob = await withAccount(port, "bob", CAPS);
  const carol = await TestClient.register(port, "carol", ["message-tags"]); // no capability
  try {
    for (const c of [alice, bob, carol]) {
      await c.send("JOIN #c");
      await c.expect("366");
    }
    // C: PRIVMSG #channel :an example / C: REDACT #channel 123 :bad example
    const mine = await said(bob, "#c", "an example");
    const kept = await said(bob, "#c", "a keeper");
    await bob.send(`REDACT #c ${mine} :bad example`);
    const echoed = await bob.expect(isRedact);
    assert.equal(echoed.source, "bob!~bob@127.0.0.1");
    assert.deepEqual(echoed.params, ["#c", mine, "bad example"]);
    assert.ok(echoed.tags?.msgid && echoed.tags.msgid !== mine, "the REDACT has its own msgid");
    const seen = await alice.expect(isRedact);
    assert.deepEqual(seen.params, ["#c", mine, "bad example"]);
    const told = await carol.expect((m) => m.command === "NOTICE" && m.params[0] === "#c");
    assert.match(told.params[1]!, /^bob deleted their message from \d+ seconds? ago: bad example$/);
    assert.ok(!(await carol.sync()).some(isRedact), "no REDACT without the capability");

    assert.deepEqual(await history(alice, "#c"), ["a keeper"]);
    assert.deepEqual(await search(alice, "in=#c;text=example"), []);
    assert.deepEqual(await search(alice, "in=#c;text=keeper"), ["a keeper"]);

    // deleting someone else's: an operator may (C2: REDACT #channel 123 spam), others may not
    await carol.send("PRIVMSG #c :join my network for cold hard chats");
    const spamId = (await bob.expect((m) => m.params[1] === "join my network for cold hard chats"))
      .tags!.msgid!;
    assert.deepEqual(await refused(bob, `REDACT #c ${spamId} spam`), [
      "REDACT",
      "REDACT_FORBIDDEN",
      "#c",
      spamId,
      "You are not authorised to delete this message",
    ]);
    await alice.send(`REDACT #c ${spamId} spam`);
    assert.deepEqual((await alice.expect(isRedact)).params, ["#c", spamId, "spam"]);
    assert.equal((await bob.expect(isRedact)).source, "alice!~alice@127.0.0.1");
    const notice = await carol.expect((m) => m.command === "NOTICE" && m.params[0] === "#c");
    assert.match(
      notice.params[1]!,
      /^alice deleted a message from carol from \d+ seconds? ago: spam$/,
    );
    assert.deepEqual(await history(bob, "#c"), ["a keeper"]);

    // an unknown msgid, one already gone, a channel one is not on
    assert.deepEqual((await refused(bob, "REDACT #c nosuchmsgid")).slice(0, 4), [
      "REDACT",
      "UNKNOWN_MSGID",
      "#c",
      "nosuchmsgid",
    ]);
    assert.equal((await refused(bob, `REDACT #c ${mine}`))[1], "UNKNOWN_MSGID");
    // a client's longest target and msgid are quoted cut, so the FAIL still fits one line
    await bob.send(`REDACT ${"n".repeat(240)} ${"m".repeat(250)}`);
    const long = await bob.expectLine((l) => l.includes(" FAIL REDACT "));
    assert.ok(new TextEncoder().encode(long).length + 2 <= 512, `${long.length} bytes`);
    assert.deepEqual((await refused(bob, `REDACT #elsewhere ${kept}`)).slice(0, 3), [
      "REDACT",
      "INVALID_TARGET",
      "#elsewhere",
    ]);
    await bob.send("PART #c");
    await bob.expect("PART");
    assert.equal((await refused(bob, `REDACT #c ${kept}`))[1], "INVALID_TARGET");
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("REDACT of a private message: gone from both parties' history; the recipient may not", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await withAccount(port, "alice", CAPS);
  const bob = await withAccount(port, "bob", CAPS);
  try {
    const oops = await said(alice, "bob", "wrong window");
    await said(alice, "bob", "hello");
    await bob.expect((m) => m.params[1] === "hello");
    assert.deepEqual(await history(bob, "alice"), ["wrong window", "hello"]);
    assert.equal((await refused(bob, `REDACT alice ${oops}`))[1], "REDACT_FORBIDDEN");

    await alice.send(`REDACT bob ${oops}`);
    assert.deepEqual((await alice.expect(isRedact)).params, ["bob", oops]);
    const got = await bob.expect(isRedact);
    assert.equal(got.source, "alice!~alice@127.0.0.1");
    assert.deepEqual(got.params, ["bob", oops]);
    assert.deepEqual(await history(alice, "bob"), ["hello"]);
    assert.deepEqual(await history(bob, "alice"), ["hello"]);
    assert.deepEqual(await search(bob, "text=window"), []);
  } finally {
    await alice.close();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("REDACT after the sender's window: REDACT_WINDOW_EXPIRED with the window; ops are not bound", async () => {
  const server = await testServer({ history: { ...DEFAULT_HISTORY, redactWindowMs: 1000 } });
  const port = server.addr.port;
  const op = await withAccount(port, "op", CAPS);
  const late = await withAccount(port, "late", CAPS);
  try {
    for (const c of [op, late]) {
      await c.send("JOIN #w");
      await c.expect("366");
    }
    const old = await said(late, "#w", "said long ago");
    const sentAt = Date.now();
    // the window is a time limit: the test has to let it pass
    while (Date.now() - sentAt <= 1100) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await refused(late, `REDACT #w ${old}`), [
      "REDACT",
      "REDACT_WINDOW_EXPIRED",
      "#w",
      old,
      "1",
      "You can no longer delete this message",
    ]);
    await op.send(`REDACT #w ${old}`);
    assert.deepEqual((await late.expect(isRedact)).params, ["#w", old]);
  } finally {
    await op.close();
    await late.close();
    await server.shutdown();
  }
});

Deno.test("REDACT while the database is locked: FAIL TEMPORARILY_UNAVAILABLE, nothing announced; it works after", async () => {
  const dir = await Deno.makeTempDir({ prefix: "chat-redact-locked-" });
  const path = `${dir}/chat.db`;
  const server = await testServer({ db: path });
  const port = server.addr.port;
  const alice = await withAccount(port, "alice", CAPS);
  const bob = await TestClient.register(port, "bob", ["draft/message-redaction"]);
  try {
    for (const c of [alice, bob]) {
      await c.send("JOIN #c");
      await c.expect("366");
    }
    const msgid = await said(alice, "#c", "oops");
    await bob.expect((m) => m.command === "PRIVMSG" && m.params[1] === "oops");
    const lock = await DatabaseLock.hold(path);
    try {
      assert.deepEqual(await refused(alice, `REDACT #c ${msgid}`), [
        "REDACT",
        "TEMPORARILY_UNAVAILABLE",
        "#c",
        msgid,
        "The message could not be deleted now; try again later",
      ]);
    } finally {
      await lock.release();
    }
    const told = await bob.sync();
    assert.ok(!told.some((m) => m.command === "REDACT"), "nobody was told it is gone");
    assert.deepEqual(await history(alice, "#c"), ["oops"], "still stored, as the FAIL says");
    await alice.send(`REDACT #c ${msgid}`);
    assert.deepEqual((await bob.expect("REDACT")).params, ["#c", msgid]);
    assert.deepEqual(await history(alice, "#c"), []);
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
