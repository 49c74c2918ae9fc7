import assert from "node:assert/strict";
import { commands, Harness } from "../helpers/harness.ts";

async function pair() {
  const h = await Harness.create();
  const a = await h.user("alice");
  const b = await h.user("bob");
  await a.run("JOIN #c");
  await b.run("JOIN #c");
  a.take();
  return { h, a, b };
}

Deno.test("JOIN creates the channel with the creator as op and sends names", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  assert.deepEqual(await a.run("JOIN #Chat"), [
    ":alice!~alice@10.0.0.1 JOIN #Chat",
    ":chat.local 353 alice = #Chat :@alice",
    ":chat.local 366 alice #Chat :End of /NAMES list",
  ]);
  const b = await h.user("bob");
  const lines = await b.run("JOIN #chat");
  assert.equal(lines[0], ":bob!~bob@10.0.0.2 JOIN #Chat");
  assert.ok(lines.includes(":chat.local 353 bob = #Chat :@alice bob"));
  assert.deepEqual(a.take(), [":bob!~bob@10.0.0.2 JOIN #Chat"]);
  assert.deepEqual(await b.run("JOIN #chat"), []); // already there: nothing
});

Deno.test("JOIN with comma lists and keys, JOIN 0 parts all", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  await a.run("JOIN #a,#b,#c");
  assert.equal(a.user.channels.size, 3);
  await a.run("MODE #b +k secret");
  const b = await h.user("bob");
  const lines = await b.run("JOIN #a,#b,#c wrong,wrong");
  assert.ok(lines.includes(":chat.local 475 bob #b :Cannot join channel (+k)"));
  assert.equal(b.user.channels.size, 2);
  await b.run("JOIN #b secret");
  assert.equal(b.user.channels.size, 3);
  const parts = await b.run("JOIN 0");
  assert.equal(parts.filter((l) => l.includes(" PART ")).length, 3);
  assert.equal(b.user.channels.size, 0);
});

Deno.test("JOIN refuses bad names, +i, +l, +b, and too many channels", async () => {
  const h = await Harness.create({ limits: { maxChannels: 2 } });
  const a = await h.user("alice");
  const b = await h.user("bob");
  assert.deepEqual(commands(await b.run("JOIN lobby")), ["403"]);
  assert.deepEqual(commands(await b.run("JOIN #a\x07b")), ["476"]);
  assert.deepEqual(commands(await b.run("JOIN #" + "x".repeat(64))), ["476"]);
  await a.run("JOIN #i,#l");
  await a.run("MODE #i +i");
  await a.run("MODE #l +l 1");
  assert.deepEqual(commands(await b.run("JOIN #i")), ["473"]);
  assert.deepEqual(commands(await b.run("JOIN #l")), ["471"]);
  const c = await h.user("carol");
  await c.run("JOIN #ban");
  await c.run("MODE #ban +b bob");
  assert.deepEqual(commands(await b.run("JOIN #ban")), ["474"]);
  await b.run("JOIN #x,#y");
  assert.deepEqual(commands(await b.run("JOIN #z")), ["405"]);
});

Deno.test("INVITE lets a user past +i and notifies invite-notify members", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  const n = await h.user("nora", ["invite-notify"]);
  const b = await h.user("bob");
  await a.run("JOIN #i");
  await n.run("JOIN #i");
  await a.run("MODE #i +i");
  n.take();
  assert.deepEqual(commands(await n.run("INVITE bob #i")), ["482"]);
  assert.deepEqual(await a.run("INVITE bob #i"), [":chat.local 341 alice bob :#i"]);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 INVITE bob #i"]);
  assert.deepEqual(n.take(), [":alice!~alice@10.0.0.1 INVITE bob #i"]);
  assert.equal(commands(await b.run("JOIN #i"))[0], "JOIN");
  assert.deepEqual(commands(await a.run("INVITE bob #i")), ["443"]);
  assert.deepEqual(commands(await a.run("INVITE nobody #i")), ["401"]);
});

Deno.test("a non-op's INVITE only tells the target: it opens neither +l nor +b; an op's does", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  const n = await h.user("nora");
  const b = await h.user("bob");
  await a.run("JOIN #c");
  await n.run("JOIN #c");
  await a.run("MODE #c +l 2");
  // nora may invite (no +i), bob hears of it, but the limit still holds for him
  assert.deepEqual(await n.run("INVITE bob #c"), [":chat.local 341 nora bob :#c"]);
  assert.deepEqual(b.take(), [":nora!~nora@10.0.0.2 INVITE bob #c"]);
  assert.deepEqual(commands(await b.run("JOIN #c")), ["471"]);
  await a.run("MODE #c -l");
  await a.run("MODE #c +b bob");
  await n.run("INVITE bob #c");
  assert.deepEqual(commands(await b.run("JOIN #c")), ["474"]);
  // an op's invite lets him past the ban and the limit
  await a.run("MODE #c +l 2");
  assert.deepEqual(await a.run("INVITE bob #c"), [":chat.local 341 alice bob :#c"]);
  assert.equal(commands(await b.run("JOIN #c"))[0], "JOIN");
  // and +i still needs an op to invite at all
  await a.run("MODE #c +i-l");
  const c = await h.user("carl");
  assert.deepEqual(commands(await n.run("INVITE carl #c")), ["482"]);
  assert.deepEqual(c.take(), []);
  assert.deepEqual(commands(await c.run("JOIN #c")), ["473"]);
});

Deno.test("a member a ban silences cannot change nick (435) until voiced", async () => {
  const { a, b } = await pair();
  await a.run("MODE #c +b bob!*@*");
  assert.deepEqual(await b.run("NICK robert"), [
    ":chat.local 435 bob robert #c :Cannot change nickname while banned on channel",
  ]);
  assert.equal(b.user.nick, "bob");
  assert.deepEqual(a.take().filter((l) => l.includes(" NICK ")), []);
  assert.deepEqual(commands(await b.run("NICK Bob")), ["435"]); // a case change too
  assert.deepEqual(commands(await b.run("PRIVMSG #c :still here?")), ["404"]);
  // once voiced the ban no longer silences him, and he may rename
  await a.run("MODE #c +v bob");
  assert.deepEqual(await b.run("NICK robert"), [":bob!~bob@10.0.0.2 NICK robert"]);
  // ops are never held by a ban; nor is anyone outside the banned channel
  await a.run("MODE #c +b alice!*@*");
  assert.deepEqual(await a.run("NICK alicia"), [":alice!~alice@10.0.0.1 NICK alicia"]);
});

Deno.test("every +b mask of a MODE counts against MAXLIST: 105 masks leave 100 bans, 478 for 5", async () => {
  const { h, a } = await pair();
  assert.equal(h.info.limits.maxBans, 100);
  let n = 0;
  const lines: string[] = [];
  // 15 lines of 5 masks, then 5 lines of 6 (MODES=6): the last line starts at 99 bans
  for (const size of [...Array(15).fill(5), ...Array(5).fill(6)]) {
    const masks = Array.from({ length: size }, () => `m${n++}!*@*`);
    lines.push(...await a.run(`MODE #c +${"b".repeat(size)} ${masks.join(" ")}`));
  }
  assert.equal(n, 105);
  assert.equal(h.hub.findChannel("#c")!.bans.length, 100);
  const full = lines.filter((l) => commands([l])[0] === "478");
  assert.deepEqual(
    full,
    ["m100", "m101", "m102", "m103", "m104"].map((m) =>
      `:chat.local 478 alice #c ${m}!*@* :Channel ban list is full`
    ),
  );
  // within one MODE too, a mask added twice counts once and a removal frees its slot
  assert.deepEqual(commands(await a.run("MODE #c -b+bb m0!*@* x!*@* x!*@*")), ["MODE"]);
  assert.equal(h.hub.findChannel("#c")!.bans.length, 100);
});

Deno.test("PART with a reason; errors 403 and 442", async () => {
  const { a, b } = await pair();
  assert.deepEqual(await b.run("PART #c :see you"), [":bob!~bob@10.0.0.2 PART #c :see you"]);
  assert.deepEqual(a.take(), [":bob!~bob@10.0.0.2 PART #c :see you"]);
  assert.deepEqual(commands(await b.run("PART #c")), ["442"]);
  assert.deepEqual(commands(await b.run("PART #nope")), ["403"]);
});

Deno.test("TOPIC: 331/332/333, +t needs op, everyone sees changes", async () => {
  const { a, b } = await pair();
  assert.deepEqual(commands(await b.run("TOPIC #c")), ["331"]);
  assert.deepEqual(commands(await b.run("TOPIC #c :mine")), ["482"]);
  assert.deepEqual(await a.run("TOPIC #c :Welcome all"), [
    ":alice!~alice@10.0.0.1 TOPIC #c :Welcome all",
  ]);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 TOPIC #c :Welcome all"]);
  const shown = await b.run("TOPIC #c");
  assert.equal(shown[0], ":chat.local 332 bob #c :Welcome all");
  assert.match(shown[1]!, /^:chat\.local 333 bob #c alice!~alice@10\.0\.0\.1 :\d+$/);
  await a.run("MODE #c -t");
  assert.equal(commands(await b.run("TOPIC #c :anyone"))[0], "TOPIC");
  const long = await a.run("TOPIC #c :" + "t".repeat(500));
  assert.ok(long[0]!.endsWith(" :" + "t".repeat(390)));
});

Deno.test("KICK needs op and removes the member for everyone", async () => {
  const { a, b } = await pair();
  assert.deepEqual(commands(await b.run("KICK #c alice")), ["482"]);
  assert.deepEqual(await a.run("KICK #c bob :behave"), [
    ":alice!~alice@10.0.0.1 KICK #c bob :behave",
  ]);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 KICK #c bob :behave"]);
  assert.ok(!b.user.channels.size);
  assert.deepEqual(commands(await a.run("KICK #c bob")), ["441"]);
  assert.deepEqual(commands(await a.run("KICK #c ghost")), ["401"]);
});

Deno.test("MODE: query, +o/+v, flags, bans, key, limit, errors", async () => {
  const { a, b } = await pair();
  const q = await b.run("MODE #c");
  assert.deepEqual(commands(q), ["324", "329"]);
  assert.equal(q[0], ":chat.local 324 bob #c :+nt");
  assert.deepEqual(commands(await b.run("MODE #c +m")), ["482"]);
  assert.deepEqual(await a.run("MODE #c +ov-t bob bob"), [
    ":alice!~alice@10.0.0.1 MODE #c +ov-t bob bob",
  ]);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 MODE #c +ov-t bob bob"]);
  assert.deepEqual(await a.run("MODE #c +o bob"), []); // no change: no broadcast
  assert.deepEqual(await a.run("MODE #c +b *!*@evil"), [
    ":alice!~alice@10.0.0.1 MODE #c +b *!*@evil",
  ]);
  const bans = await b.run("MODE #c +b");
  assert.match(bans[0]!, /^:chat\.local 367 bob #c \*!\*@evil alice!~alice@10\.0\.0\.1 :\d+$/);
  assert.equal(commands(bans)[1], "368");
  assert.deepEqual(await a.run("MODE #c +kl pw 10"), [
    ":alice!~alice@10.0.0.1 MODE #c +kl pw 10",
  ]);
  assert.equal((await b.run("MODE #c"))[0], ":chat.local 324 bob #c +nkl pw :10");
  assert.deepEqual(await a.run("MODE #c -k"), [":alice!~alice@10.0.0.1 MODE #c -k *"]);
  assert.deepEqual(commands(await a.run("MODE #c +l x")), ["696"]);
  assert.deepEqual(commands(await a.run("MODE #c +Z")), ["472"]);
  assert.deepEqual(commands(await a.run("MODE #c +o ghost")), ["401"]);
  assert.deepEqual(commands(await a.run("MODE #nope")), ["403"]);
});

Deno.test("user MODE: own +i/+w, 502 for others, 501 unknown, 221 query", async () => {
  const { a } = await pair();
  assert.deepEqual(await a.run("MODE alice +iw"), [":alice!~alice@10.0.0.1 MODE alice +iw"]);
  assert.deepEqual(await a.run("MODE alice"), [":chat.local 221 alice :+iw"]);
  assert.deepEqual(await a.run("MODE alice +o"), []); // only OPER grants +o
  assert.deepEqual(commands(await a.run("MODE bob +i")), ["502"]);
  assert.deepEqual(commands(await a.run("MODE alice +Q")), ["501"]);
});

Deno.test("NAMES with multi-prefix and userhost-in-names; secret channels hidden", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  const m = await h.user("mp", ["multi-prefix", "userhost-in-names"]);
  await a.run("JOIN #c");
  await m.run("JOIN #c");
  await a.run("MODE #c +v alice");
  const names = await m.run("NAMES #c");
  assert.equal(names[0], ":chat.local 353 mp = #c :@+alice!~alice@10.0.0.1 mp!~mp@10.0.0.2");
  await a.run("JOIN #secret");
  await a.run("MODE #secret +s");
  assert.deepEqual(commands(await m.run("NAMES #secret")), ["366"]);
  const list = await m.run("LIST");
  assert.ok(!list.some((l) => l.includes("#secret")));
  assert.ok(list.some((l) => l.includes(" 322 mp #c 2 :")));
});

Deno.test("LIST shows counts and topics between 321 and 323", async () => {
  const { a, b } = await pair();
  await a.run("TOPIC #c :hello");
  const lines = await b.run("LIST");
  assert.deepEqual(commands(lines), ["321", "322", "323"]);
  assert.equal(lines[1], ":chat.local 322 bob #c 2 :hello");
  assert.deepEqual(commands(await b.run("LIST #nope")), ["321", "323"]);
});

Deno.test("NAMES stays right as members join, change nick, get voice and leave", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  await a.run("JOIN #c");
  const names = async () => (await a.run("NAMES #c")).filter((l) => l.includes(" 353 "));
  for (const nick of ["bob", "carol", "dave"]) await (await h.user(nick)).run("JOIN #c");
  assert.deepEqual(await names(), [":chat.local 353 alice = #c :@alice bob carol dave"]);
  const erin = await h.user("erin");
  await erin.run("JOIN #c");
  assert.deepEqual(await names(), [":chat.local 353 alice = #c :@alice bob carol dave erin"]);
  await erin.run("NICK erin2");
  await a.run("MODE #c +v bob");
  assert.deepEqual(await names(), [":chat.local 353 alice = #c :@alice +bob carol dave erin2"]);
  await erin.run("PART #c");
  const fred = await h.user("fred");
  await fred.run("JOIN #c");
  assert.deepEqual(await names(), [":chat.local 353 alice = #c :@alice +bob carol dave fred"]);
});

Deno.test("a long NAMES list is split into lines under 512 bytes, and grows by joins", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  await a.run("JOIN #big");
  const nicks = ["alice"];
  for (let i = 0; i < 120; i++) {
    const nick = `member${i}`;
    nicks.push(nick);
    await (await h.user(nick)).run("JOIN #big");
    if (i % 40 === 0) await a.run("NAMES #big"); // the list is cached, then extended
  }
  const lines = (await a.run("NAMES #big")).filter((l) => l.includes(" 353 "));
  assert.ok(lines.length > 1);
  assert.ok(lines.every((l) => new TextEncoder().encode(l).length + 2 <= 512));
  const listed = lines.flatMap((l) => l.split(" :")[1]!.split(" "));
  assert.deepEqual(listed, ["@alice", ...nicks.slice(1)]);
});
