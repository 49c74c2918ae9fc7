/**
 * LIST with the ELIST extensions (ISUPPORT `ELIST=CMNTU`) over real sockets: user counts
 * (`<n`, `>n`), creation and topic times (`C<n`, `C>n`, `T<n`, `T>n`, minutes ago), masks and
 * negated masks, alone and together. The old channel is a registered one, brought back from the
 * database with its creation and topic times of hours ago.
 *
 * @module
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { openSqliteStores } from "../../server/store/stores.ts";
import { testServer } from "../helpers/server.ts";

const HOUR = 3600_000;

/** The channels a LIST answers with, sorted, after checking the reply's frame. */
async function list(c: TestClient, args: string): Promise<string[]> {
  await c.send(`LIST ${args}`.trim());
  await c.expect("321");
  const names: string[] = [];
  for (;;) {
    const m = await c.expect((m) => m.command === "322" || m.command === "323");
    if (m.command === "323") return names.sort();
    names.push(m.params[1]!);
  }
}

Deno.test("LIST filters by users, creation time, topic time, masks and negated masks", async () => {
  const db = await Deno.makeTempFile({ suffix: ".db" });
  const stores = openSqliteStores(db);
  await stores.accounts.create("hank", "password1");
  const now = Date.now();
  stores.channels.save({
    name: "#old",
    founder: "hank",
    topic: { text: "from long ago", setBy: "hank", setAt: now - 2 * HOUR },
    modes: "nt",
    key: undefined,
    limit: undefined,
    bans: [],
    banExceptions: [],
    inviteExceptions: [],
    created: now - 3 * HOUR,
  });
  await stores.close();
  const server = await testServer({ db, alwaysOn: { policy: "off", expireMs: 0 } });
  const port = server.addr.port;
  const alice = await TestClient.register(port, "alice");
  const bob = await TestClient.register(port, "bob");
  const carol = await TestClient.register(port, "carol");
  try {
    const tokens = alice.lines.filter((l) => l.includes(" 005 ")).join(" ").split(" ");
    assert.ok(tokens.includes("ELIST=CMNTU"));
    for (const channel of ["#old", "#new1", "#new2"]) {
      await alice.send(`JOIN ${channel}`);
      await alice.expect("366");
    }
    await alice.send("TOPIC #new1 :fresh");
    await alice.expect("TOPIC");
    await bob.send("JOIN #new2");
    await bob.expect("366");
    await carol.send("JOIN #hidden,#hidden2");
    await carol.send("MODE #hidden +s");
    await carol.expect("MODE");
    const open = ["#hidden2", "#new1", "#new2", "#old"];
    assert.deepEqual(await list(alice, ""), open);

    // U: fewer or more users than n, with or without the letter
    assert.deepEqual(await list(alice, ">1"), ["#new2"]);
    assert.deepEqual(await list(alice, "U>1"), ["#new2"]);
    assert.deepEqual(await list(alice, "<2"), ["#hidden2", "#new1", "#old"]);
    assert.deepEqual(await list(alice, "<1"), []);
    // C: created less or more than n minutes ago
    assert.deepEqual(await list(alice, "C>60"), ["#old"]);
    assert.deepEqual(await list(alice, "C<60"), ["#hidden2", "#new1", "#new2"]);
    // T: topic set less or more than n minutes ago; channels without a topic never match
    assert.deepEqual(await list(alice, "T>60"), ["#old"]);
    assert.deepEqual(await list(alice, "T<60"), ["#new1"]);
    assert.deepEqual(await list(alice, "T>150"), []);
    // M and N: masks and negated masks on the name, in any case
    assert.deepEqual(await list(alice, "#NEW*"), ["#new1", "#new2"]);
    assert.deepEqual(await list(alice, "!#new*"), ["#hidden2", "#old"]);
    assert.deepEqual(await list(alice, "#new*,!*2"), ["#new1"]);
    // together, in one comma list or as two parameters: every condition must hold
    assert.deepEqual(await list(alice, "#new*,<2"), ["#new1"]);
    assert.deepEqual(await list(alice, "#*e* <2"), ["#hidden2", "#new1"]);
    assert.deepEqual(await list(alice, "*,C<60,T<60"), ["#new1"]);
    // named channels with conditions; a secret channel stays hidden from every filter
    assert.deepEqual(await list(alice, "#old,#new2 >1"), ["#new2"]);
    assert.deepEqual(await list(alice, "#hidden"), []);
    assert.deepEqual(await list(alice, "#hid*"), ["#hidden2"]);
    assert.deepEqual(await list(carol, "#hid*"), ["#hidden", "#hidden2"]);
    // at most 10 masks a LIST: an 11th is not looked at (each costs a match per channel)
    const ten = Array.from({ length: 10 }, (_, i) => `!#x${i}*`).join(",");
    assert.deepEqual(await list(alice, `${ten},!#old`), open);
    const nine = Array.from({ length: 9 }, (_, i) => `!#x${i}*`).join(",");
    assert.deepEqual(await list(alice, `${nine},!#old`), ["#hidden2", "#new1", "#new2"]);
  } finally {
    await Promise.all([alice, bob, carol].map((c) => c.close()));
    await server.shutdown();
    for (const f of [db, `${db}-wal`, `${db}-shm`]) await Deno.remove(f).catch(() => {});
  }
});
