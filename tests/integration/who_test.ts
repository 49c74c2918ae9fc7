/**
 * WHO over real sockets: WHOX (`%fields[,token]`, RPL_WHOSPCRPL 354, following the ircv3 whox
 * spec's examples) and who sees invisible (`+i`) users in WHO and NAMES (RFC 2812).
 */
import assert from "node:assert/strict";
import type { Message } from "../../protocol/message.ts";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { withAccount } from "../helpers/accounts.ts";
import { testServer } from "../helpers/server.ts";

/** Sends a WHO (or NAMES) and returns the reply's numerics, up to its end (315 or 366). */
async function ask(c: TestClient, line: string): Promise<Message[]> {
  await c.send(line);
  const replies = await c.sync();
  return replies.filter((m) => ["352", "353", "354", "315", "366"].includes(m.command));
}

/** The parameters of each 354 after the asker's nick. */
function whox(replies: Message[]): string[][] {
  return replies.filter((m) => m.command === "354").map((m) => m.params.slice(1));
}

/** The nicks a reply lists: 352's sixth parameter, or the nicks of 353. */
function nicks(replies: Message[]): string[] {
  const out: string[] = [];
  for (const m of replies) {
    if (m.command === "352") out.push(m.params[5]!);
    if (m.command === "353") {
      out.push(...m.params[3]!.split(" ").map((n) => n.replace(/^[@+]+/, "")));
    }
  }
  return out.sort();
}

Deno.test("WHOX: the fields asked for, in the spec's order, with the token; ISUPPORT WHOX", async () => {
  const server = await testServer({ floodControl: false });
  const port = server.addr.port;
  const alice = await withAccount(port, "alice");
  const bob = await TestClient.register(port, "bob");
  try {
    assert.ok(bob.lines.some((l) => / 005 bob .*\bWHOX\b/.test(l)), "ISUPPORT has WHOX");
    await alice.send("JOIN #ircv3");
    await alice.expect("366");
    await bob.send("JOIN #ircv3");
    await bob.expect("366");

    // the spec's "with a token" example: token, nick, flags, account (0 when logged out)
    const channel = await ask(bob, "WHO #ircv3 %afnt,42");
    assert.deepEqual(whox(channel), [["42", "alice", "H@", "alice"], ["42", "bob", "H", "0"]]);
    assert.deepEqual(channel.at(-1)?.params, ["bob", "#ircv3", "End of /WHO list"]);
    assert.ok(!channel.some((m) => m.command === "352"), "no RPL_WHOREPLY in a WHOX reply");

    // the spec's "without a token" example: a WHO by nick has no channel to give (`*`)
    assert.deepEqual(whox(await ask(bob, "WHO alice %cuhnar")), [
      ["*", "~alice", "127.0.0.1", "alice", "alice", "alice tester"],
    ]);
    assert.ok(
      bob.lines.some((l) => l.endsWith(" 354 bob * ~alice 127.0.0.1 alice alice :alice tester")),
    );

    // every standard field, in t c u i h s n f d l a o r order
    const [all] = whox(await ask(bob, "WHO bob %tcuihsnfdlaor,123"));
    assert.equal(all!.length, 13);
    const [idle, ...rest] = all!.splice(9, 4);
    assert.match(idle!, /^\d+$/);
    assert.deepEqual(rest, ["0", "n/a", "bob tester"]);
    assert.deepEqual(all, [
      "123",
      "*",
      "~bob",
      "127.0.0.1",
      "127.0.0.1",
      "chat.local",
      "bob",
      "H",
      "0",
    ]);

    // the order asked in does not matter; unknown letters are ignored
    assert.deepEqual(whox(await ask(bob, "WHO bob %rnt,7")), [["7", "bob", "bob tester"]]);
    assert.deepEqual(whox(await ask(bob, "WHO bob %nXZ!")), [["bob"]]);
    assert.deepEqual(whox(await ask(bob, "WHO bob %")), [[]]);

    // a token must be one to three digits: anything else (or none) reads as 0
    for (const query of ["%tn,1234", "%tn,4x", "%tn,", "%tn", "%tn,:1"]) {
      assert.deepEqual(whox(await ask(bob, `WHO bob ${query}`)), [["0", "bob"]], query);
    }

    // flags before the %: `o` lists operators only
    const opers = await ask(bob, "WHO #ircv3 o%n");
    assert.deepEqual(opers.map((m) => m.command), ["315"]);
  } finally {
    await alice.close();
    await bob.close();
    await server.shutdown();
  }
});

Deno.test("WHO and NAMES list invisible users only to those sharing a channel (and opers)", async () => {
  const server = await testServer({
    floodControl: false,
    opers: [{ name: "root", password: "pw" }],
  });
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice");
  const carol = await TestClient.register(port, "carol");
  const bob = await TestClient.register(port, "bob");
  const oper = await TestClient.register(port, "oper");
  try {
    await alice.send("MODE alice +i");
    await alice.expect("MODE");
    for (const c of [alice, carol]) {
      await c.send("JOIN #in");
      await c.expect("366");
    }
    await oper.send("OPER root pw");
    await oper.expect("381");

    // a stranger: the mask and the channel leave alice out; her exact nick names her
    assert.deepEqual(nicks(await ask(bob, "WHO *")), ["bob", "carol", "oper"]);
    assert.deepEqual(nicks(await ask(bob, "WHO 0")), ["bob", "carol", "oper"]);
    assert.deepEqual(nicks(await ask(bob, "WHO al*")), []);
    assert.deepEqual(nicks(await ask(bob, "WHO #in")), ["carol"]);
    assert.deepEqual(nicks(await ask(bob, "NAMES #in")), ["carol"]);
    assert.deepEqual(whox(await ask(bob, "WHO #in %n")), [["carol"]]);
    assert.deepEqual(nicks(await ask(bob, "WHO alice")), ["alice"]);

    // she sees herself; an operator sees her everywhere
    assert.deepEqual(nicks(await ask(alice, "WHO al*")), ["alice"]);
    assert.deepEqual(nicks(await ask(oper, "WHO al*")), ["alice"]);
    assert.deepEqual(nicks(await ask(oper, "WHO #in")), ["alice", "carol"]);
    assert.deepEqual(nicks(await ask(oper, "NAMES #in")), ["alice", "carol"]);

    // sharing a channel with her makes her visible to bob
    await bob.send("JOIN #in");
    await bob.expect("366");
    assert.deepEqual(nicks(await ask(bob, "WHO al*")), ["alice"]);
    assert.deepEqual(nicks(await ask(bob, "WHO #in")), ["alice", "bob", "carol"]);
    assert.deepEqual(nicks(await ask(bob, "NAMES #in")), ["alice", "bob", "carol"]);
  } finally {
    for (const c of [alice, carol, bob, oper]) await c.close();
    await server.shutdown();
  }
});
