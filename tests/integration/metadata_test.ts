/**
 * draft/metadata-2 over sockets, after the spec's examples: the capability's limits, SET / GET /
 * LIST / CLEAR on oneself and a channel, SUB / UNSUB / SUBS and their limit, who may change
 * what, the METADATA lines subscribers sharing a channel get (and others do not), the batch
 * after a JOIN and the joiner's keys to the members already there, and SYNC.
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { METADATA_LIMITS } from "../../server/metadata.ts";
import { testServer } from "../helpers/server.ts";
import { viaSasl, withAccount } from "../helpers/accounts.ts";

const CAPS = ["draft/metadata-2", "batch"];

/** Registers with the capability; the welcome ends with the (empty) batch of its own keys. */
async function register(port: number, nick: string): Promise<TestClient> {
  const c = await TestClient.register(port, nick, CAPS);
  assert.deepEqual(await batch(c), [], "a new user has no keys");
  return c;
}

/** The messages of the batch that answers what was sent last (between BATCH + and -). */
async function batch(c: TestClient): Promise<Message[]> {
  const start = await c.expect((m) => m.command === "BATCH" && m.params[0]!.startsWith("+"));
  assert.equal(start.params[1], "metadata");
  const id = start.params[0]!.slice(1);
  const lines = await c.sync();
  const end = lines.findIndex((m) => m.command === "BATCH" && m.params[0] === `-${id}`);
  assert.ok(end >= 0, "the batch ends");
  const inside = lines.slice(0, end);
  for (const m of inside) assert.equal(m.tags?.batch, id);
  return inside;
}

Deno.test("metadata: CAP LS advertises the limits by the spec's names", async () => {
  const server = await testServer();
  const c = await TestClient.connect(server.addr.port);
  try {
    await c.send("CAP LS 302");
    const ls = await c.expect((m) => m.command === "CAP" && m.params[1] === "LS");
    const cap = ls.params.at(-1)!.split(" ").find((x) => x.startsWith("draft/metadata-2="));
    assert.ok(cap, "draft/metadata-2 offered with a value");
    const tokens = new Map(
      cap.slice(cap.indexOf("=") + 1).split(",").map((t) => {
        const [k, v] = t.split("=");
        return [k!, v];
      }),
    );
    assert.equal(tokens.get("max-keys"), String(METADATA_LIMITS.maxKeys));
    assert.equal(tokens.get("max-subs"), String(METADATA_LIMITS.maxSubs));
    assert.equal(tokens.get("max-value-bytes"), String(METADATA_LIMITS.maxValueBytes));
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("metadata: SET, GET, LIST and CLEAR on oneself, and their FAILs", async () => {
  const server = await testServer();
  const alice = await register(server.addr.port, "alice");
  try {
    await alice.send("METADATA * SET url :http://www.example.com");
    const set = await alice.expect("761");
    assert.deepEqual(set.params, ["alice", "alice", "url", "*", "http://www.example.com"]);

    await alice.send("METADATA * SET $url$ :http://www.example.com");
    assert.deepEqual((await alice.expect("FAIL")).params.slice(0, 3), [
      "METADATA",
      "KEY_INVALID",
      "$url$",
    ]);
    await alice.send(`METADATA * SET big :${"x".repeat(METADATA_LIMITS.maxValueBytes + 1)}`);
    assert.equal((await alice.expect("FAIL")).params[1], "VALUE_INVALID");
    await alice.send("METADATA * SET never");
    assert.deepEqual((await alice.expect("FAIL")).params.slice(1, 3), ["KEY_NOT_SET", "never"]);

    await alice.send("METADATA alice GET blargh url");
    const got = await batch(alice);
    assert.deepEqual(got.map((m) => m.command), ["766", "761"]);
    assert.deepEqual(got[0]!.params.slice(1, 3), ["alice", "blargh"]);
    assert.equal(got[1]!.params.at(-1), "http://www.example.com");

    await alice.send("METADATA * SET display-name :Alice A.");
    await alice.expect("761");
    await alice.send("METADATA alice LIST");
    const listed = await batch(alice);
    assert.deepEqual(
      listed.map((m) => m.params.slice(2).join(" ")).sort(),
      ["display-name * Alice A.", "url * http://www.example.com"],
    );

    await alice.send("METADATA * SET url");
    assert.deepEqual((await alice.expect("766")).params.slice(1, 3), ["alice", "url"]);

    await alice.send("METADATA * CLEAR");
    const cleared = await batch(alice);
    assert.deepEqual(cleared.map((m) => [m.command, m.params[2]]), [["761", "display-name"]]);
    await alice.send("METADATA * LIST");
    assert.deepEqual(await batch(alice), []);

    await alice.send("METADATA $a:user SET url :http://www.example.com");
    assert.deepEqual((await alice.expect("FAIL")).params.slice(1, 3), [
      "INVALID_TARGET",
      "$a:user",
    ]);
    await alice.send("METADATA * DESTROY");
    assert.deepEqual((await alice.expect("FAIL")).params.slice(1, 3), [
      "SUBCOMMAND_INVALID",
      "DESTROY",
    ]);
  } finally {
    await alice.close();
    await server.shutdown();
  }
});

Deno.test("metadata: max-keys is enforced with LIMIT_REACHED", async () => {
  const server = await testServer();
  const alice = await register(server.addr.port, "alice");
  try {
    for (let i = 0; i < METADATA_LIMITS.maxKeys; i++) {
      await alice.send(`METADATA * SET k${i} :v`);
      await alice.expect("761");
    }
    await alice.send("METADATA * SET one-more :v");
    assert.deepEqual((await alice.expect("FAIL")).params.slice(1, 3), ["LIMIT_REACHED", "alice"]);
    await alice.send("METADATA * SET k0 :changed"); // an existing key still changes
    assert.equal((await alice.expect("761")).params.at(-1), "changed");
  } finally {
    await alice.close();
    await server.shutdown();
  }
});

Deno.test("metadata: nobody sets another user's keys, only channel ops a channel's", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const op = await register(port, "op");
  const member = await register(port, "member");
  try {
    await op.send("JOIN #example");
    await op.expect("366");
    await member.send("JOIN #example");
    await member.expect("366");

    await member.send("METADATA op SET url :http://www.example.com");
    assert.deepEqual((await member.expect("FAIL")).params.slice(1, 4), [
      "KEY_NO_PERMISSION",
      "op",
      "url",
    ]);
    await member.send("METADATA #example SET url :http://www.example.com");
    assert.deepEqual((await member.expect("FAIL")).params.slice(1, 4), [
      "KEY_NO_PERMISSION",
      "#example",
      "url",
    ]);
    await member.send("METADATA #example CLEAR");
    assert.equal((await member.expect("FAIL")).params[1], "KEY_NO_PERMISSION");

    await op.send("METADATA #example SET url :http://www.example.com");
    const set = await op.expect("761");
    assert.deepEqual(set.params.slice(1), ["#example", "url", "*", "http://www.example.com"]);
    await member.send("METADATA #example GET url");
    assert.equal((await batch(member))[0]!.params.at(-1), "http://www.example.com");
  } finally {
    await op.close();
    await member.close();
    await server.shutdown();
  }
});

Deno.test("metadata: SUB, UNSUB, SUBS and TOO_MANY_SUBS", async () => {
  const server = await testServer();
  const c = await register(server.addr.port, "modernclient");
  try {
    await c.send("METADATA * SUB avatar website foo bar");
    assert.equal((await c.expect("770")).params.at(-1), "avatar website foo bar");
    await c.send("METADATA * UNSUB foo bar");
    assert.equal((await c.expect("771")).params.at(-1), "foo bar");
    await c.send("METADATA * SUB foo $url bar");
    const replies = await c.sync();
    assert.ok(replies.some((m) => m.command === "770" && m.params.at(-1) === "foo bar"));
    const fail = replies.find((m) => m.command === "FAIL")!;
    assert.deepEqual(fail.params.slice(1, 3), ["KEY_INVALID", "$url"]);

    await c.send("METADATA * SUBS");
    const subs = (await c.sync()).filter((m) => m.command === "772");
    assert.deepEqual(subs.flatMap((m) => m.params.at(-1)!.split(" ")).sort(), [
      "avatar",
      "bar",
      "foo",
      "website",
    ]);

    const more = Array.from({ length: METADATA_LIMITS.maxSubs }, (_, i) => `k${i}`);
    await c.send(`METADATA * SUB ${more.join(" ")}`);
    const over = await c.sync();
    const tooMany = over.find((m) => m.command === "FAIL")!;
    const firstRefused = more[METADATA_LIMITS.maxSubs - 4]!;
    assert.deepEqual(tooMany.params.slice(1, 3), ["TOO_MANY_SUBS", firstRefused]);
    const ok = over.filter((m) => m.command === "770").flatMap((m) => m.params.at(-1)!.split(" "));
    assert.deepEqual(ok, more.slice(0, METADATA_LIMITS.maxSubs - 4));
  } finally {
    await c.close();
    await server.shutdown();
  }
});

Deno.test("metadata: subscribers sharing a channel hear a change, others do not", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await register(port, "alice");
  const friend = await register(port, "friend");
  const stranger = await register(port, "stranger");
  const deaf = await register(port, "deaf");
  try {
    for (const c of [friend, stranger, deaf]) {
      await c.send("METADATA * SUB display-name avatar");
      await c.expect("770");
    }
    await deaf.send("METADATA * UNSUB display-name");
    await deaf.expect("771");
    for (const c of [alice, friend, deaf]) {
      await c.send("JOIN #shared");
      await c.expect("366");
    }
    await stranger.send("JOIN #elsewhere");
    await stranger.expect("366");
    assert.ok(!(await friend.sync()).some((m) => m.command === "BATCH"), "nothing set: no batch");

    await alice.send("METADATA * SET display-name :Alice A.");
    await alice.expect("761");
    const heard = await friend.expect("METADATA");
    assert.ok(heard.source?.startsWith("alice!"), "from the setter");
    assert.deepEqual(heard.params, ["alice", "display-name", "*", "Alice A."]);
    assert.ok(!(await stranger.sync()).some((m) => m.command === "METADATA"), "no shared channel");
    assert.ok(!(await deaf.sync()).some((m) => m.command === "METADATA"), "not subscribed");
    assert.ok(!(await alice.sync()).some((m) => m.command === "METADATA"), "not to the setter");

    await alice.send("METADATA * SET display-name");
    await alice.expect("766");
    assert.deepEqual((await friend.expect("METADATA")).params, ["alice", "display-name", "*"]);

    // a channel's keys reach its members
    await alice.send("METADATA #shared SET avatar :https://example.com/a.png");
    await alice.expect("761");
    const chan = await friend.expect("METADATA");
    assert.deepEqual(chan.params, ["#shared", "avatar", "*", "https://example.com/a.png"]);
    assert.ok(!(await stranger.sync()).some((m) => m.command === "METADATA"));
  } finally {
    for (const c of [alice, friend, stranger, deaf]) await c.close();
    await server.shutdown();
  }
});

Deno.test("metadata: a JOIN brings the subscribed keys in a batch; SYNC sends them again", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const alice = await register(port, "alice");
  const late = await register(port, "late");
  try {
    await alice.send("JOIN #smallchan");
    await alice.expect("366");
    await alice.send("METADATA * SET display-name :Alice A.");
    await alice.send("METADATA * SET secret :not subscribed");
    await alice.send("METADATA #smallchan SET avatar :https://example.com/c.png");
    await alice.sync();

    await alice.send("METADATA * SUB display-name");
    await alice.expect("770");
    await late.send("METADATA * SUB display-name avatar");
    await late.expect("770");
    await late.send("METADATA * SET display-name :Late L.");
    await late.expect("761");
    await late.send("JOIN #smallchan");
    await late.expect("366");
    const joined = await batch(late);
    assert.deepEqual(joined.map((m) => [m.command, ...m.params]).sort(), [
      ["METADATA", "#smallchan", "avatar", "*", "https://example.com/c.png"],
      ["METADATA", "alice", "display-name", "*", "Alice A."],
      ["METADATA", "late", "display-name", "*", "Late L."],
    ]);
    // the members already there hear the joiner's keys after its JOIN
    await alice.expect((m) => m.command === "JOIN" && m.source!.startsWith("late!"));
    const told = await alice.expect("METADATA");
    assert.deepEqual(told.params, ["late", "display-name", "*", "Late L."]);

    await late.send("METADATA #smallchan SYNC");
    assert.equal((await batch(late)).length, 3);
  } finally {
    await alice.close();
    await late.close();
    await server.shutdown();
  }
});

Deno.test("metadata: a device attaching to its user is told the user's keys at its welcome", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const laptop = await withAccount(port, "alice");
  let phone: TestClient | undefined;
  try {
    await laptop.send("METADATA * SET display-name :Alice A.");
    await laptop.expect("761");
    phone = await viaSasl(port, "alice", "alice", CAPS);
    await phone.expect("001");
    await phone.expect((m) => m.command === "376" || m.command === "422");
    const own = await batch(phone);
    assert.deepEqual(own.map((m) => [m.command, ...m.params]), [
      ["METADATA", "alice", "display-name", "*", "Alice A."],
    ]);
  } finally {
    await laptop.close();
    await phone?.close();
    await server.shutdown();
  }
});
