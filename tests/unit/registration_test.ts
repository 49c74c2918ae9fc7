import assert from "node:assert/strict";
import { scryptRuns } from "../../server/credentials.ts";
import { commands, Harness } from "../helpers/harness.ts";

Deno.test("NICK + USER sends the welcome burst 001-005, LUSERS and MOTD/422", async () => {
  const h = await Harness.create();
  const u = h.connect();
  assert.deepEqual(await u.run("NICK alice"), []);
  const lines = await u.run("USER al 0 * :Alice Liddell");
  const cmds = commands(lines);
  assert.deepEqual(cmds.slice(0, 4), ["001", "002", "003", "004"]);
  assert.ok(cmds.includes("005") && cmds.includes("251") && cmds.includes("255"));
  assert.equal(cmds.at(-1), "422");
  assert.match(
    lines[0]!,
    /^:chat\.local 001 alice :Welcome to the chat IRC Network alice!~al@10\.0\.0\.1$/,
  );
  const isupport = lines.filter((l) => l.includes(" 005 ")).join(" ");
  for (
    const token of [
      "CASEMAPPING=rfc1459",
      "CHANTYPES=#",
      "PREFIX=(ov)@+",
      "NICKLEN=30",
      "CHANNELLEN=64",
      "TOPICLEN=390",
      "NETWORK=chat",
      "CHANMODES=beI,k,l,imnst",
      "EXCEPTS=e",
      "INVEX=I",
      "MAXLIST=beI:100",
      "SAFELIST",
    ]
  ) {
    assert.ok(isupport.includes(token), token);
  }
  assert.ok(u.user.registered);
});

Deno.test("MOTD lines are sent between 375 and 376 when configured", async () => {
  const h = await Harness.create({ motd: ["Be nice.", "Have fun."] });
  const u = h.connect();
  await u.run("NICK bob");
  const lines = await u.run("USER b 0 * :Bob");
  assert.deepEqual(commands(lines).slice(-4), ["375", "372", "372", "376"]);
  assert.ok(lines.some((l) => l.endsWith(":- Be nice.")));
});

Deno.test("commands before registration get 451; unknown ones 421 after", async () => {
  const h = await Harness.create();
  const u = h.connect();
  assert.deepEqual(commands(await u.run("JOIN #a")), ["451"]);
  assert.deepEqual(commands(await u.run("FOO")), ["451"]);
  const r = await h.user("carol");
  assert.deepEqual(await r.run("FOO bar"), [":chat.local 421 carol FOO :Unknown command"]);
});

Deno.test("missing parameters get 461; re-registering gets 462", async () => {
  const h = await Harness.create();
  const u = await h.user("dave");
  assert.deepEqual(await u.run("JOIN"), [":chat.local 461 dave JOIN :Not enough parameters"]);
  assert.deepEqual(commands(await u.run("USER a b c d")), ["462"]);
});

Deno.test("nick errors: 431 none, 432 erroneous, 433 in use (case-insensitively)", async () => {
  const h = await Harness.create();
  await h.user("Alice");
  const u = h.connect();
  assert.deepEqual(commands(await u.run("NICK")), ["431"]);
  assert.deepEqual(commands(await u.run("NICK 9lives")), ["432"]);
  assert.deepEqual(commands(await u.run("NICK a\u0007b")), ["432"]);
  assert.deepEqual(commands(await u.run("NICK " + "n".repeat(31))), ["432"]);
  assert.deepEqual(await u.run("NICK aLiCe"), [
    ":chat.local 433 * aLiCe :Nickname is already in use",
  ]);
  assert.deepEqual(await u.run("NICK {alice}"), []);
  assert.deepEqual(commands(await u.run("NICK [ALICE]")), []); // same nick under rfc1459
});

Deno.test("a nick change is seen by the user and channel neighbours once", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  const b = await h.user("bob");
  await a.run("JOIN #x,#y");
  await b.run("JOIN #x,#y");
  a.take();
  assert.deepEqual(await b.run("NICK robert"), [":bob!~bob@10.0.0.2 NICK robert"]);
  assert.deepEqual(a.take(), [":bob!~bob@10.0.0.2 NICK robert"]);
  assert.equal(h.hub.findUser("bob"), undefined);
  assert.equal(h.hub.findUser("ROBERT"), b.user);
  assert.deepEqual(commands(await a.run("NICK Robert")), ["433"]);
  assert.ok((await a.run("WHOWAS bob")).some((l) => l.includes(" 314 alice bob ~bob ")));
});

Deno.test("CAP LS 302 / REQ / LIST / END holds registration until END", async () => {
  const h = await Harness.create();
  const u = h.connect();
  const ls = await u.run("CAP LS 302");
  // more than one line's worth: every line but the last says `*` before its list (CAP LS 302)
  assert.match(ls[0]!, /^:chat\.local CAP \* LS \* :account-notify /);
  assert.match(ls.at(-1)!, /^:chat\.local CAP \* LS :.*\buserhost-in-names\b/);
  assert.ok(ls.some((l) => /\bserver-time\b/.test(l)));
  await u.run("NICK eve");
  assert.deepEqual(await u.run("USER e 0 * :Eve"), []);
  assert.deepEqual(await u.run("CAP REQ :multi-prefix bogus"), [
    ":chat.local CAP eve NAK :multi-prefix bogus",
  ]);
  assert.deepEqual(await u.run("CAP REQ :multi-prefix echo-message"), [
    ":chat.local CAP eve ACK :multi-prefix echo-message",
  ]);
  const list = await u.run("CAP LIST");
  assert.match(list[0]!, /LIST :.*multi-prefix/);
  assert.ok(!u.user.registered);
  assert.equal(commands(await u.run("CAP END"))[0], "001");
  assert.deepEqual(await u.run("CAP REQ :-echo-message"), [
    ":chat.local CAP eve ACK :-echo-message",
  ]);
  assert.ok(!u.session.caps.has("echo-message"));
  assert.deepEqual(commands(await u.run("CAP FOO")), ["410"]);
});

Deno.test("a configured server password is required", async () => {
  const h = await Harness.create({ password: "sesame" });
  const wrong = h.connect();
  await wrong.run("PASS nope");
  await wrong.run("NICK w");
  assert.deepEqual(commands(await wrong.run("USER w 0 * :W")), ["464"]);
  assert.equal(wrong.terminated, "Bad password");
  const right = h.connect();
  await right.run("PASS sesame");
  await right.run("NICK r");
  assert.equal(commands(await right.run("USER r 0 * :R"))[0], "001");
});

Deno.test("PASS is hashed once, when registration completes: 1,000 PASS lines cost one scrypt", async () => {
  const h = await Harness.create({ password: "sesame" });
  const runs = scryptRuns();
  const u = h.connect();
  for (let i = 0; i < 1000; i++) {
    await u.run(`PASS guess${i}`);
    assert.equal(scryptRuns(), runs, `PASS line ${i + 1} ran scrypt`);
  }
  await u.run("PASS sesame"); // the last one given counts
  await u.run("NICK p");
  assert.equal(commands(await u.run("USER p 0 * :P"))[0], "001");
  assert.equal(scryptRuns() - runs, 1);
  // wrong last: one hash, 464, closed
  const w = h.connect();
  await w.run("PASS sesame");
  await w.run("PASS nope");
  await w.run("NICK w");
  assert.deepEqual(commands(await w.run("USER w 0 * :W")), ["464"]);
  assert.equal(w.terminated, "Bad password");
  assert.equal(scryptRuns() - runs, 2);
  // none given: refused without hashing; CAP END completes it too
  const n = h.connect();
  await n.run("CAP LS 302");
  await n.run("NICK n");
  await n.run("USER n 0 * :N");
  assert.deepEqual(commands(await n.run("CAP END")), ["464"]);
  assert.equal(scryptRuns() - runs, 2);
});

Deno.test("PING gets PONG, with 409 for no token", async () => {
  const h = await Harness.create();
  const u = h.connect();
  assert.deepEqual(await u.run("PING abc"), [":chat.local PONG chat.local :abc"]);
  assert.deepEqual(commands(await u.run("PING")), ["409"]);
});

Deno.test("QUIT is broadcast once to every user sharing a channel, and nowhere else", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  const b = await h.user("bob");
  const c = await h.user("carol");
  await a.run("JOIN #one,#two");
  await b.run("JOIN #one,#two");
  a.take();
  c.take();
  await b.run("QUIT :gone fishing");
  assert.equal(b.terminated, "Quit: gone fishing");
  assert.deepEqual(a.take(), [":bob!~bob@10.0.0.2 QUIT :Quit: gone fishing"]);
  assert.deepEqual(c.take(), []);
  assert.equal(h.hub.findUser("bob"), undefined);
  assert.equal(h.hub.findChannel("#one")?.members.size, 1);
});

Deno.test("LUSERS counts users, invisible users, operators and channels", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  await h.user("bob");
  await a.run("MODE alice +i");
  await a.run("JOIN #c");
  const lines = await a.run("LUSERS");
  assert.ok(
    lines.includes(":chat.local 251 alice :There are 1 users and 1 invisible on 1 servers"),
  );
  assert.ok(lines.includes(":chat.local 254 alice 1 :channels formed"));
  assert.ok(lines.includes(":chat.local 266 alice 2 2 :Current global users 2, max 2"));
  const bob = h.hub.findUser("bob")!;
  await a.run("QUIT");
  assert.deepEqual(
    [h.hub.stats().users, h.hub.stats().invisible, h.hub.stats().maxUsers],
    [1, 0, 2],
  );
  assert.equal(bob.nick, "bob");
});

Deno.test("VERSION, TIME and INFO answer", async () => {
  const h = await Harness.create();
  const u = await h.user("v");
  assert.match((await u.run("VERSION"))[0]!, /^:chat\.local 351 v chat-\d+\.\d+\.\d+ chat\.local /);
  assert.deepEqual(commands(await u.run("TIME")), ["391"]);
  assert.equal(commands(await u.run("INFO")).at(-1), "374");
});
