/**
 * History belongs to its owners (issue 17, items 1-3 and 8): private messages to the accounts
 * that exchanged them, never to nicknames; an unregistered channel's history to that one life of
 * the channel; a dropped account's history to nobody. Socketless: the commands against the hub.
 */
import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { DEFAULT_HISTORY } from "../../server/config.ts";
import type { SqliteHistory } from "../../server/store/sqlite_history.ts";
import { Harness, type RecordedUser } from "../helpers/harness.ts";

const HISTORY_CAPS = ["draft/chathistory", "batch", "server-time", "message-tags"];

/** The PRIVMSG texts in a reply (history batch or replay). */
function texts(lines: string[]): string[] {
  return lines.map((l) => parseMessage(l)!).filter((m) => m.command === "PRIVMSG").map((m) =>
    m.params[1]!
  );
}

async function history(u: RecordedUser, target: string): Promise<string[]> {
  return texts(await u.run(`CHATHISTORY LATEST ${target} * 50`));
}

/** Runs the store's background deletions to the end. */
function settle(h: Harness): void {
  const store = h.stores.history as SqliteHistory;
  while (store.maintaining) store.maintain();
}

Deno.test("a private conversation of two logged-out users is not kept", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  const bob = await h.user("bob", HISTORY_CAPS);
  await alice.run("PRIVMSG bob :the door code is 4711");
  assert.deepEqual(await history(bob, "alice"), []);
  await alice.run("QUIT");
  // whoever takes the nick next reads nothing
  const mallory = await h.user("alice", HISTORY_CAPS);
  assert.deepEqual(await history(mallory, "bob"), []);
  assert.equal(h.stores.history.count(), 0);
});

Deno.test("private history is filed under accounts: a registered nick's next holder reads nothing", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  await alice.run("NS REGISTER wonderland");
  const bob = await h.user("bob", HISTORY_CAPS);
  await alice.run("PRIVMSG bob :meet me at noon");
  await bob.run("PRIVMSG alice :ok");
  assert.deepEqual(await history(alice, "bob"), ["meet me at noon", "ok"]);
  assert.deepEqual(await history(bob, "alice"), [], "bob keeps no history: not logged in");
  await alice.run("NS SET ALWAYS-ON off"); // else her user would stay, holding the nick
  await alice.run("QUIT");

  // mallory takes the nick during the NickServ grace period
  const mallory = await h.user("alice", HISTORY_CAPS);
  assert.deepEqual(await history(mallory, "bob"), []);
  // logged in to an account of her own, holding the nick: still nothing
  await mallory.run("NICK mallory");
  await mallory.run("NS REGISTER mallory-pass");
  await mallory.run("NICK alice");
  assert.deepEqual(await history(mallory, "bob"), []);
  await mallory.run("QUIT");

  // the owner, logged in again under another nick, reads it all
  const back = await h.user("alice2", HISTORY_CAPS);
  await back.run("NS IDENTIFY alice wonderland");
  assert.deepEqual(await history(back, "bob"), ["meet me at noon", "ok"]);
});

Deno.test("both logged in: each keeps a copy; TARGETS lists only the asker's", async () => {
  const h = await Harness.create({ history: { ...DEFAULT_HISTORY, queryLimit: 3 } });
  const amy = await h.user("amy", HISTORY_CAPS);
  await amy.run("NS REGISTER amy-password");
  const ben = await h.user("ben", HISTORY_CAPS);
  await ben.run("NS REGISTER ben-password");
  await amy.run("PRIVMSG ben :hi ben");
  await ben.run("PRIVMSG amy :hi amy");
  assert.deepEqual(await history(amy, "BEN"), ["hi ben", "hi amy"]);
  assert.deepEqual(await history(ben, "amy"), ["hi ben", "hi amy"]);
  // more conversations than the query limit, all newer than amy's, among others
  for (const nick of ["cat", "dan", "eve", "fay"]) {
    const u = await h.user(nick, HISTORY_CAPS);
    await u.run(`NS REGISTER ${nick}-password`);
    await u.run("JOIN #elsewhere");
    await u.run("PRIVMSG #elsewhere :busy");
    await u.run(`PRIVMSG ben :from ${nick}`);
  }
  const from = new Date(Date.now() - 60_000).toISOString();
  const to = new Date(Date.now() + 60_000).toISOString();
  const listed = (await amy.run(`CHATHISTORY TARGETS timestamp=${from} timestamp=${to} 10`))
    .map((l) => parseMessage(l)!).filter((m) => m.command === "CHATHISTORY")
    .map((m) => m.params[1]);
  assert.deepEqual(listed, ["ben"]);
});

Deno.test("an unregistered channel's history ends with it; a new channel of that name starts empty", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  await alice.run("JOIN #secret");
  await alice.run("MODE #secret +sik hidden");
  await alice.run("PRIVMSG #secret :the plan");
  assert.deepEqual(await history(alice, "#secret"), ["the plan"]);
  await alice.run("PART #secret");

  const mallory = await h.user("mallory", HISTORY_CAPS);
  await mallory.run("JOIN #secret");
  assert.deepEqual(await history(mallory, "#secret"), []);
  const old = await h.user("oldclient");
  assert.deepEqual(texts(await old.run("JOIN #secret")), [], "no replay on JOIN either");
  settle(h);
  assert.equal(h.stores.history.count(), 0, "and it is deleted");
});

Deno.test("registered and permanent channels keep their history when empty", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  await alice.run("NS REGISTER wonderland");
  await alice.run("JOIN #keep");
  await alice.run("PRIVMSG #keep :kept");
  await alice.run("CS REGISTER #keep");
  await alice.run("PRIVMSG #keep :also kept");
  await alice.run("JOIN #lobby");
  await alice.run("PRIVMSG #lobby :lobby line");
  await alice.run("JOIN 0");
  settle(h);
  const bob = await h.user("bob", ["batch", "server-time"]); // replayed on JOIN
  assert.deepEqual(texts(await bob.run("JOIN #keep")), ["kept", "also kept"]);
  assert.deepEqual(texts(await bob.run("JOIN #lobby")), ["lobby line"]);
});

Deno.test("a dropped registration takes the history of an empty channel with it", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  await alice.run("NS REGISTER wonderland");
  await alice.run("JOIN #owned");
  await alice.run("CS REGISTER #owned");
  await alice.run("PRIVMSG #owned :founders only");
  await alice.run("PART #owned");
  await alice.run("CS DROP #owned");
  const mallory = await h.user("mallory", HISTORY_CAPS);
  await mallory.run("JOIN #owned");
  assert.deepEqual(await history(mallory, "#owned"), []);
});

Deno.test("a dropped account's private history is gone for the next account of that name", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", HISTORY_CAPS);
  await alice.run("NS REGISTER wonderland");
  const bob = await h.user("bob", HISTORY_CAPS);
  await bob.run("NS REGISTER bob-password");
  await alice.run("PRIVMSG bob :private words");
  await alice.run("NS DROP wonderland");
  await alice.run("QUIT");
  const mallory = await h.user("alice", HISTORY_CAPS);
  await mallory.run("NS REGISTER mallory-pass");
  assert.deepEqual(await history(mallory, "bob"), []);
  settle(h);
  assert.equal(h.stores.history.count(), 1, "alice's copy is deleted");
  assert.deepEqual(await history(bob, "alice"), ["private words"], "bob's copy is his");
});
