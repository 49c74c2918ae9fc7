import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const MULTILINE = ["batch", "draft/multiline", "message-tags", "echo-message", "server-time"];

/** The spec's example batch, sent by `c` to `target` under reference `ref`. */
async function sendExample(c: TestClient, target: string, ref = "123"): Promise<void> {
  await c.send(`BATCH +${ref} draft/multiline ${target}`);
  await c.send(`@batch=${ref} PRIVMSG ${target} hello`);
  await c.send(`@batch=${ref} PRIVMSG ${target} :`);
  await c.send(`@batch=${ref} privmsg ${target} :how is `);
  await c.send(`@batch=${ref};draft/multiline-concat PRIVMSG ${target} :everyone?`);
  await c.send(`BATCH -${ref}`);
}

/** Reads a `draft/multiline` batch: its opening line and the lines inside. */
async function readBatch(c: TestClient): Promise<{ open: Message; lines: Message[] }> {
  const open = await c.expect((m) => m.command === "BATCH" && m.params[1] === "draft/multiline");
  const ref = open.params[0]!.slice(1);
  const lines: Message[] = [];
  for (;;) {
    const m = await c.expect(() => true);
    if (m.command === "BATCH") {
      assert.deepEqual(m.params, [`-${ref}`]);
      return { open, lines };
    }
    assert.equal(m.tags?.batch, ref);
    lines.push(m);
  }
}

const shape = (lines: Message[]) =>
  lines.map((m) => [m.command, ...m.params, m.tags?.["draft/multiline-concat"] ?? "-"]);

const EXAMPLE = [
  ["PRIVMSG", "#ml", "hello", "-"],
  ["PRIVMSG", "#ml", "", "-"],
  ["PRIVMSG", "#ml", "how is ", "-"],
  ["PRIVMSG", "#ml", "everyone?", ""],
];

async function joined(port: number, nick: string, caps: string[]): Promise<TestClient> {
  const c = await TestClient.register(port, nick, caps);
  await c.send("JOIN #ml");
  await c.expect("366");
  return c;
}

Deno.test("multiline: CAP LS value, a batch to capable clients, lines to others, one msgid, echo", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const ls = await TestClient.connect(port);
  const alice = await joined(port, "alice", MULTILINE);
  const bob = await joined(port, "bob", ["batch", "draft/multiline", "message-tags"]);
  const carol = await joined(port, "carol", ["message-tags", "server-time"]);
  try {
    await ls.send("CAP LS 302");
    await ls.expectLine((l) => l.includes(" draft/multiline=max-bytes=4096,max-lines=100"));

    await sendExample(alice, "#ml");
    const got = await readBatch(bob);
    assert.equal(got.open.source, "alice!~alice@127.0.0.1");
    assert.deepEqual(got.open.params.slice(1), ["draft/multiline", "#ml"]);
    const msgid = got.open.tags?.msgid;
    assert.ok(msgid);
    assert.deepEqual(shape(got.lines), EXAMPLE);
    assert.ok(got.lines.every((m) => m.tags?.msgid === undefined));

    // without the capability: the lines, no blank one, the msgid on the first only
    const first = await carol.expect("PRIVMSG");
    assert.deepEqual(first.params, ["#ml", "hello"]);
    assert.equal(first.tags?.msgid, msgid);
    const second = await carol.expect("PRIVMSG");
    assert.deepEqual(second.params, ["#ml", "how is "]);
    assert.equal(second.tags?.msgid, undefined);
    assert.ok(second.tags?.time);
    assert.deepEqual((await carol.expect("PRIVMSG")).params, ["#ml", "everyone?"]);

    const echo = await readBatch(alice);
    assert.equal(echo.open.tags?.msgid, msgid);
    assert.deepEqual(shape(echo.lines), EXAMPLE);

    // NOTICE works the same; a private message too
    await alice.send("BATCH +n draft/multiline bob");
    await alice.send("@batch=n NOTICE bob :one");
    await alice.send("@batch=n NOTICE bob :two");
    await alice.send("BATCH -n");
    const notice = await readBatch(bob);
    assert.deepEqual(notice.open.params.slice(1), ["draft/multiline", "bob"]);
    assert.deepEqual(shape(notice.lines), [["NOTICE", "bob", "one", "-"], [
      "NOTICE",
      "bob",
      "two",
      "-",
    ]]);
  } finally {
    for (const c of [ls, alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("multiline: max-lines lines arrive at once (no flood delay), past the limits FAIL", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await joined(port, "alice", MULTILINE);
  const bob = await joined(port, "bob", ["batch", "draft/multiline"]);
  try {
    await alice.send("BATCH +full draft/multiline #ml");
    for (let i = 0; i < 100; i++) await alice.send(`@batch=full PRIVMSG #ml :line ${i}`);
    await alice.send("BATCH -full");
    const full = await readBatch(bob);
    assert.equal(full.lines.length, 100);
    assert.equal(full.lines[99]!.params[1], "line 99");

    await alice.send("BATCH +lines draft/multiline #ml");
    for (let i = 0; i < 101; i++) await alice.send(`@batch=lines PRIVMSG #ml :${i}`);
    await alice.send("BATCH -lines");
    const lines = await alice.expect("FAIL");
    assert.deepEqual(lines.params.slice(0, 3), ["BATCH", "MULTILINE_MAX_LINES", "100"]);

    // 10 lines of 400 bytes and their 9 line feeds: 4009 bytes; one more byte is too many
    const text = "x".repeat(400);
    await alice.send("BATCH +bytes draft/multiline #ml");
    for (let i = 0; i < 10; i++) await alice.send(`@batch=bytes PRIVMSG #ml :${text}`);
    await alice.send(`@batch=bytes;draft/multiline-concat PRIVMSG #ml :${"y".repeat(87)}`);
    await alice.send("@batch=bytes;draft/multiline-concat PRIVMSG #ml :z");
    await alice.send("BATCH -bytes");
    const bytes = await alice.expect("FAIL");
    assert.deepEqual(bytes.params.slice(0, 3), ["BATCH", "MULTILINE_MAX_BYTES", "4096"]);

    // nothing of the refused batches reached bob
    const after = await bob.sync();
    assert.deepEqual(after.filter((m) => m.command !== "PONG"), []);
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
  }
});

Deno.test("multiline: the spec's invalid batches are refused and nothing is relayed", async () => {
  const server = await testServer({ limits: { batchTimeoutMs: 1000 } });
  const port = server.addr.port;
  const alice = await joined(port, "alice", MULTILINE);
  const bob = await joined(port, "bob", ["batch", "draft/multiline"]);
  const plain = await TestClient.register(port, "plain", ["batch"]);
  try {
    const fails: string[][] = [];
    const failed = async () => fails.push((await alice.expect("FAIL")).params.slice(0, 4));

    await alice.send("BATCH +456 draft/multiline #ml");
    await alice.send("@batch=456 PRIVMSG #other hello");
    await alice.send("BATCH -456");
    await failed();

    await alice.send("BATCH +abc123 draft/multiline #ml");
    await alice.send("@batch=abc123 PRIVMSG #ml :hello ");
    await alice.send("@batch=abc123;draft/multiline-concat PRIVMSG #ml :");
    await alice.send("@batch=abc123 PRIVMSG #ml :there");
    await alice.send("BATCH -abc123");
    await failed();

    await alice.send("BATCH +blank draft/multiline #ml");
    await alice.send("@batch=blank PRIVMSG #ml :");
    await alice.send("@batch=blank PRIVMSG #ml :");
    await alice.send("BATCH -blank");
    await failed();

    await alice.send("BATCH +792da7 draft/multiline #ml");
    await alice.send("@batch=792da7 PRIVMSG #ml :this starts with a PRIVMSG");
    await alice.send("@batch=792da7 NOTICE #ml :but ends with a NOTICE");
    await alice.send("BATCH -792da7");
    await failed();

    await alice.send("BATCH +other draft/multiline #ml");
    await alice.send("@batch=other TOPIC #ml :not a message");
    await alice.send("BATCH -other");
    await failed();

    await alice.send("BATCH +empty draft/multiline #ml");
    await alice.send("BATCH -empty");
    await failed();

    await alice.send("BATCH +x unknown/type #ml");
    await failed();
    await plain.send("BATCH +y draft/multiline #ml");
    fails.push((await plain.expect("FAIL")).params.slice(0, 4));

    // left open: dropped after the timeout, and its late lines go nowhere
    await alice.send("BATCH +slow draft/multiline #ml");
    await alice.send("@batch=slow PRIVMSG #ml :waiting");
    await failed();
    await alice.send("@batch=slow PRIVMSG #ml :late");
    await alice.send("BATCH -slow");

    assert.deepEqual(fails, [
      ["BATCH", "MULTILINE_INVALID_TARGET", "#ml", "#other"],
      ["BATCH", "MULTILINE_INVALID", "Invalid multiline batch with concatenated blank line"],
      ["BATCH", "MULTILINE_INVALID", "Invalid multiline batch with blank lines only"],
      ["BATCH", "MULTILINE_INVALID", "A multiline batch mixes PRIVMSG and NOTICE"],
      ["BATCH", "MULTILINE_INVALID", "TOPIC is not allowed in a multiline batch"],
      ["BATCH", "MULTILINE_INVALID", "Invalid multiline batch with no lines"],
      ["BATCH", "UNKNOWN_TYPE", "x", "unknown/type"],
      ["BATCH", "UNKNOWN_TYPE", "y", "draft/multiline"],
      ["BATCH", "TIMEOUT", "slow", "Multiline batch timed out"],
    ]);
    await alice.sync();
    const after = await bob.sync();
    assert.deepEqual(after.filter((m) => m.command !== "PONG"), []);
  } finally {
    for (const c of [alice, bob, plain]) await c.close();
    await server.shutdown();
  }
});

Deno.test("multiline: labeled-response: the label of the opening BATCH is on the echo's BATCH line", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await joined(port, "alice", [...MULTILINE, "labeled-response"]);
  try {
    await alice.send("@label=L1 BATCH +lb draft/multiline #ml");
    await alice.send("@batch=lb PRIVMSG #ml :one");
    await alice.send("@batch=lb PRIVMSG #ml :two");
    await alice.send("BATCH -lb");
    const echo = await readBatch(alice);
    assert.equal(echo.open.tags?.label, "L1");
    assert.ok(echo.lines.every((m) => m.tags?.label === undefined));
    await alice.send("@label=L2 BATCH +bad draft/multiline #ml");
    await alice.send("BATCH -bad");
    const fail = await alice.expect("FAIL");
    assert.deepEqual([fail.tags?.label, fail.params[1]], ["L2", "MULTILINE_INVALID"]);
    const rest = await alice.sync();
    assert.ok(!rest.some((m) => m.command === "ACK"), "no ACK for the opening line");
  } finally {
    await alice.close();
    await server.shutdown();
  }
});

Deno.test("multiline: a batch unfinished when its sender leaves is dropped", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await joined(port, "alice", MULTILINE);
  const bob = await joined(port, "bob", ["batch", "draft/multiline"]);
  try {
    await alice.send("BATCH +gone draft/multiline #ml");
    await alice.send("@batch=gone PRIVMSG #ml :never sent");
    await alice.send("QUIT :bye");
    await alice.closed();
    const quit = await bob.expect((m) => m.command === "QUIT" || m.command === "BATCH");
    assert.equal(quit.command, "QUIT");
    const after = await bob.sync();
    assert.deepEqual(after.filter((m) => m.command !== "PONG"), []);
  } finally {
    for (const c of [alice, bob]) await c.close();
    await server.shutdown();
  }
});

Deno.test("multiline: CHATHISTORY replays it whole, as a batch or as lines", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await joined(port, "alice", MULTILINE);
  const history = ["batch", "draft/chathistory", "server-time", "message-tags"];
  const bob = await joined(port, "bob", [...history, "draft/multiline"]);
  const carol = await joined(port, "carol", history);
  try {
    await sendExample(alice, "#ml");
    const { open } = await readBatch(alice);
    await readBatch(bob);
    await carol.expect((m) => m.params[1] === "everyone?");

    await bob.send("CHATHISTORY LATEST #ml * 10");
    const outer = await bob.expect("BATCH");
    assert.equal(outer.params[1], "chathistory");
    const replay = await readBatch(bob);
    assert.equal(replay.open.tags?.batch, outer.params[0]!.slice(1));
    assert.equal(replay.open.tags?.msgid, open.tags?.msgid);
    assert.equal(replay.open.tags?.time, open.tags?.time);
    assert.deepEqual(shape(replay.lines), EXAMPLE);
    assert.deepEqual((await bob.expect("BATCH")).params, [`-${outer.params[0]!.slice(1)}`]);

    await carol.send("CHATHISTORY LATEST #ml * 10");
    const carolOuter = await carol.expect("BATCH");
    const ref = carolOuter.params[0]!.slice(1);
    const lines = (await carol.sync()).filter((m) => m.command === "PRIVMSG");
    assert.deepEqual(lines.map((m) => m.params[1]), ["hello", "how is ", "everyone?"]);
    assert.ok(lines.every((m) => m.tags?.batch === ref));
    assert.deepEqual(lines.map((m) => m.tags?.msgid), [open.tags?.msgid, undefined, undefined]);
  } finally {
    for (const c of [alice, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("multiline: a plain-text door user reads the lines", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 200 } });
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice", MULTILINE);
  const nc = await TestClient.connect(port);
  try {
    await alice.send("JOIN #lobby");
    await alice.expect("366");
    await nc.expectLine((l) => l.includes("Pick a nickname:"));
    await nc.send("dave");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await alice.expect("JOIN");
    await sendExample(alice, "#lobby");
    await nc.expectLine((l) => / <alice> hello$/.test(l));
    await nc.expectLine((l) => / <alice> how is $/.test(l));
    await nc.expectLine((l) => / <alice> everyone\?$/.test(l));
  } finally {
    for (const c of [alice, nc]) await c.close();
    await server.shutdown();
  }
});
