import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { testServer } from "../helpers/server.ts";

const OPERS = [{ name: "root", password: "pw" }];

async function oper(port: number, nick = "boss", hostname = "127.0.0.1"): Promise<TestClient> {
  const c = await TestClient.connect(port, hostname);
  await c.registerAs(nick);
  await c.send("OPER root pw");
  await c.expect("381");
  return c;
}

/** Registers a new connection that a ban refuses: 465 (K-line) then ERROR, then the close. */
async function refusedAtRegistration(port: number, nick: string): Promise<Message> {
  const c = await TestClient.connect(port);
  try {
    await c.send(`NICK ${nick}`);
    await c.send(`USER ${nick} 0 * :${nick}`);
    const banned = await c.expect((m) => m.command === "465" || m.command === "001");
    assert.equal(banned.command, "465", "a K-lined user is not welcomed");
    await c.expect("ERROR");
    await c.closed();
    return banned;
  } finally {
    await c.close();
  }
}

/** The STATS lines of `letter` (216 or 250), up to 219. */
async function stats(c: TestClient, letter: string): Promise<string[][]> {
  await c.send(`STATS ${letter}`);
  const lines: string[][] = [];
  for (;;) {
    const m = await c.expect((m) => ["216", "250", "219", "481"].includes(m.command));
    if (m.command === "481") throw new Error("STATS refused");
    if (m.command === "219") return lines;
    lines.push([m.command, ...m.params.slice(1)]);
  }
}

Deno.test("server bans: KLINE, UNKLINE, DLINE, UNDLINE and STATS are for opers (481)", async () => {
  const server = await testServer({ opers: OPERS });
  const user = await TestClient.register(server.addr.port, "pleb");
  try {
    for (
      const line of ["KLINE *@evil.example :no", "UNKLINE *@evil", "DLINE 10.0.0.1", "STATS k"]
    ) {
      await user.send(line);
      assert.equal(
        (await user.expect("481")).params[1],
        "Permission Denied- You're not an IRC operator",
      );
    }
    await user.send("STATS x"); // a letter nobody lists: only its end
    assert.deepEqual((await user.expect("219")).params.slice(1), ["x", "End of /STATS report"]);
  } finally {
    await user.close();
    await server.shutdown();
  }
});

Deno.test("KLINE disconnects a matching user, refuses it again with 465, STATS k lists it, UNKLINE lifts it", async () => {
  const server = await testServer({ opers: OPERS });
  const port = server.addr.port;
  const boss = await oper(port);
  const bob = await TestClient.register(port, "bob");
  const carol = await TestClient.register(port, "carol");
  try {
    await bob.send("JOIN #room");
    await bob.expect("366");
    await carol.send("JOIN #room");
    await carol.expect("366");
    await boss.send("KLINE ~bob@127.0.0.1 :spamming");
    assert.match(
      (await boss.expect("NOTICE")).params[1]!,
      /Added permanent K-line for ~bob@127\.0\.0\.1/,
    );
    assert.match((await bob.expect("ERROR")).params[0]!, /K-lined: spamming/);
    await bob.closed();
    const quit = await carol.expect("QUIT");
    assert.ok(quit.source?.startsWith("bob!"));
    assert.match(quit.params[0]!, /K-lined: spamming/);
    // carol (~carol) does not match and stays; bob cannot come back
    assert.match((await refusedAtRegistration(port, "bob")).params[1]!, /banned.*spamming/);
    await carol.sync();
    assert.deepEqual(await stats(boss, "k"), [[
      "216",
      "K",
      "~bob@127.0.0.1",
      "boss",
      "0",
      "spamming",
    ]]);
    // nick!user@host masks and the account form
    await boss.send("KLINE 10 carol!*@* :you too");
    assert.match((await carol.expect("ERROR")).params[0]!, /K-lined: you too/);
    const listed = await stats(boss, "k");
    assert.equal(listed.length, 2);
    assert.equal(listed[1]![2], "carol!*@*");
    assert.ok(Number(listed[1]![4]) > 590 && Number(listed[1]![4]) <= 600, "10 minutes left");
    await boss.send("UNKLINE ~bob@127.0.0.1");
    assert.match((await boss.expect("NOTICE")).params[1]!, /Removed K-line for ~bob@127\.0\.0\.1/);
    await boss.send("UNKLINE ~bob@127.0.0.1");
    assert.match((await boss.expect("NOTICE")).params[1]!, /No K-line for ~bob@127\.0\.0\.1/);
    const back = await TestClient.register(port, "bob");
    await back.close();
  } finally {
    for (const c of [boss, bob, carol]) await c.close();
    await server.shutdown();
  }
});

Deno.test("DLINE refuses new connections at accept with an ERROR line and drops connected ones; UNDLINE lifts it", async () => {
  // on both stacks: the oper comes over ::1, the banned ones over IPv4 (::ffff:127.0.0.1)
  const server = await testServer({ opers: OPERS, host: "::" });
  const port = server.addr.port;
  const boss = await oper(port, "boss", "::1");
  const victim = await TestClient.register(port, "victim");
  try {
    await boss.send("DLINE 5 127.0.0.0/8 :bad network");
    assert.match((await victim.expect("ERROR")).params[0]!, /D-lined: bad network/);
    await victim.closed();
    const refused = await TestClient.connect(port);
    try {
      // refused at once: nothing sent, the ERROR is the first and only line
      assert.match((await refused.expect("ERROR")).params[0]!, /D-lined: bad network/);
      await refused.closed();
      assert.equal(refused.lines.length, 1);
    } finally {
      await refused.close();
    }
    const listed = await stats(boss, "d");
    assert.deepEqual(listed.map((l) => l.slice(0, 4)), [["250", "D", "127.0.0.0/8", "boss"]]);
    await boss.send("UNDLINE 127.0.0.0/8");
    assert.match((await boss.expect("NOTICE")).params[1]!, /Removed D-line/);
    assert.deepEqual(await stats(boss, "d"), []);
    const back = await TestClient.register(port, "victim");
    await back.close();
  } finally {
    await boss.close();
    await victim.close();
    await server.shutdown();
  }
});

Deno.test("a ban expires by itself: a 1-second K-line refuses, then no longer matches", async () => {
  const server = await testServer({ opers: OPERS });
  const port = server.addr.port;
  const boss = await oper(port);
  try {
    await boss.send("KLINE 1s ~brief@* :a second");
    await boss.expect("NOTICE");
    await refusedAtRegistration(port, "brief");
    // the tick forgets it once its second is over (STATS k is asked again until then)
    const deadline = Date.now() + 5000;
    while ((await stats(boss, "k")).length > 0) {
      assert.ok(Date.now() < deadline, "the K-line did not expire");
    }
    const back = await TestClient.register(port, "brief");
    await back.close();
  } finally {
    await boss.close();
    await server.shutdown();
  }
});

Deno.test("a mask matching everyone is refused without CONFIRM; bad masks and durations are refused", async () => {
  const server = await testServer({ opers: OPERS });
  const port = server.addr.port;
  const boss = await oper(port);
  try {
    for (
      const [line, verb] of [
        ["KLINE *@* :all", "KLINE"],
        ["KLINE 5 *!*@* :all", "KLINE"],
        ["DLINE 0.0.0.0/0 :all", "DLINE"],
        // "::/0" would start a trailing parameter: IPv6 ranges are written without a leading ":"
        ["DLINE 0::/0 :all", "DLINE"],
      ]
    ) {
      await boss.send(line!);
      const fail = await boss.expect("FAIL");
      assert.deepEqual(fail.params.slice(0, 2), [verb, "NEEDS_CONFIRM"], line);
    }
    for (
      const [line, code] of [
        ["KLINE nobody :x", "INVALID_MASK"],
        ["DLINE 300.1.2.3 :x", "INVALID_MASK"],
        ["KLINE 99999999999 *@x :x", "INVALID_DURATION"],
        ["KLINE 5x *@x :x", "INVALID_DURATION"],
      ]
    ) {
      await boss.send(line!);
      assert.equal((await boss.expect("FAIL")).params[1], code, line);
    }
    assert.deepEqual(await stats(boss, "k"), []);
    assert.deepEqual(await stats(boss, "d"), []);
    // confirmed: every logged-in user (the oper is not logged in, and stays)
    await boss.send("KLINE $a:* CONFIRM :accounts closed");
    assert.match((await boss.expect("NOTICE")).params[1]!, /Added permanent K-line for \$a:\*/);
    assert.deepEqual(await stats(boss, "k"), [[
      "216",
      "K",
      "$a:*",
      "boss",
      "0",
      "accounts closed",
    ]]);
  } finally {
    await boss.close();
    await server.shutdown();
  }
});
