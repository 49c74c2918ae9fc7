import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { commands, Harness } from "../helpers/harness.ts";

Deno.test("PRIVMSG to a channel reaches every other member; NOTICE too", async () => {
  const h = await Harness.create();
  const [a, b, c] = [await h.user("alice"), await h.user("bob"), await h.user("carol")];
  for (const u of [a, b, c]) await u.run("JOIN #c");
  b.take();
  c.take();
  assert.deepEqual(await a.run("PRIVMSG #c :hello all"), []);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 PRIVMSG #c :hello all"]);
  assert.deepEqual(c.take(), [":alice!~alice@10.0.0.1 PRIVMSG #c :hello all"]);
  await a.run("NOTICE #c :note");
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 NOTICE #c :note"]);
});

Deno.test("private messages, multiple targets, and RPL_AWAY", async () => {
  const h = await Harness.create();
  const [a, b, c] = [await h.user("alice"), await h.user("bob"), await h.user("carol")];
  await b.run("AWAY :lunch");
  const lines = await a.run("PRIVMSG bob,carol :psst");
  assert.deepEqual(lines, [":chat.local 301 alice bob :lunch"]);
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 PRIVMSG bob :psst"]);
  assert.deepEqual(c.take(), [":alice!~alice@10.0.0.1 PRIVMSG carol :psst"]);
  assert.deepEqual(await b.run("AWAY"), [
    ":chat.local 305 bob :You are no longer marked as being away",
  ]);
  assert.deepEqual(await a.run("PRIVMSG bob :back?"), []);
});

Deno.test("PRIVMSG errors: 411, 412, 401, 403, 404 (+n, +m, +b), 407", async () => {
  const h = await Harness.create();
  const [a, b] = [await h.user("alice"), await h.user("bob")];
  await a.run("JOIN #c");
  assert.deepEqual(commands(await b.run("PRIVMSG")), ["411"]);
  assert.deepEqual(commands(await b.run("PRIVMSG #c")), ["412"]);
  assert.deepEqual(commands(await b.run("PRIVMSG #c :")), ["412"]);
  assert.deepEqual(commands(await b.run("PRIVMSG ghost :hi")), ["401"]);
  assert.deepEqual(commands(await b.run("PRIVMSG #nowhere :hi")), ["403"]);
  assert.deepEqual(await b.run("PRIVMSG #c :from outside"), [
    ":chat.local 404 bob #c :Cannot send to channel (+n)",
  ]);
  await b.run("JOIN #c");
  await a.run("MODE #c +m");
  assert.deepEqual(commands(await b.run("PRIVMSG #c :shh")), ["404"]);
  await a.run("MODE #c +v bob");
  a.take();
  assert.deepEqual(await b.run("PRIVMSG #c :voiced"), []);
  assert.equal(a.take().length, 1);
  await a.run("MODE #c -mv+b bob bob");
  assert.deepEqual(commands(await b.run("PRIVMSG #c :banned")), ["404"]);
  assert.deepEqual(commands(await b.run("PRIVMSG a,b,c,d,e :x")), ["407"]);
});

Deno.test("NOTICE never gets automatic error replies", async () => {
  const h = await Harness.create();
  const a = await h.user("alice");
  assert.deepEqual(await a.run("NOTICE ghost :hi"), []);
  assert.deepEqual(await a.run("NOTICE #none :hi"), []);
  assert.deepEqual(await a.run("NOTICE"), []);
});

Deno.test("echo-message, server-time and message-tags shape what each client gets", async () => {
  const h = await Harness.create();
  const a = await h.user("alice", ["echo-message", "message-tags"]);
  const plain = await h.user("plain");
  const timed = await h.user("timed", ["server-time"]);
  const tagged = await h.user("tagged", ["message-tags", "server-time"]);
  for (const u of [a, plain, timed, tagged]) await u.run("JOIN #c");
  for (const u of [plain, timed, tagged]) u.take();
  const echoed = await a.run("@+draft/react=x;secret=no PRIVMSG #c :hi");
  assert.equal(echoed.length, 1);
  assert.match(
    echoed[0]!,
    /^@msgid=\w+;\+draft\/react=x :alice!~alice@10\.0\.0\.1 PRIVMSG #c :hi$/,
  );
  assert.deepEqual(plain.take(), [":alice!~alice@10.0.0.1 PRIVMSG #c :hi"]);
  assert.match(timed.take()[0]!, /^@time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z :alice/);
  const t = parseMessage(tagged.take()[0]!)!;
  assert.deepEqual(Object.keys(t.tags!).sort(), ["+draft/react", "msgid", "time"]);
  assert.equal(t.tags!.msgid, parseMessage(echoed[0]!)!.tags!.msgid);
});

Deno.test("TAGMSG reaches only message-tags clients", async () => {
  const h = await Harness.create();
  const a = await h.user("alice", ["message-tags"]);
  const plain = await h.user("plain");
  const tagged = await h.user("tagged", ["message-tags"]);
  for (const u of [a, plain, tagged]) await u.run("JOIN #c");
  plain.take();
  tagged.take();
  await a.run("@+typing=active TAGMSG #c");
  assert.deepEqual(plain.take(), []);
  assert.match(tagged.take()[0]!, /^@msgid=\w+;\+typing=active :alice!\S+ TAGMSG #c$/);
});

Deno.test("STATUSMSG @#chan reaches only ops", async () => {
  const h = await Harness.create();
  const [a, b, c] = [await h.user("alice"), await h.user("bob"), await h.user("carol")];
  for (const u of [a, b, c]) await u.run("JOIN #c");
  await a.run("MODE #c +o bob");
  b.take();
  c.take();
  await c.run("PRIVMSG @#c :ops only");
  assert.deepEqual(a.take(), [":carol!~carol@10.0.0.3 PRIVMSG @#c :ops only"]);
  assert.deepEqual(b.take(), [":carol!~carol@10.0.0.3 PRIVMSG @#c :ops only"]);
});

Deno.test("away-notify, extended-join and setname reach the clients that asked", async () => {
  const h = await Harness.create();
  const watcher = await h.user("w", ["away-notify", "extended-join", "setname"]);
  const other = await h.user("o");
  await watcher.run("JOIN #c");
  await other.run("JOIN #c");
  watcher.take();
  const u = await h.user("u");
  await u.run("JOIN #c");
  assert.deepEqual(watcher.take(), [":u!~u@10.0.0.3 JOIN #c * :u real"]);
  assert.deepEqual(other.take(), [":u!~u@10.0.0.3 JOIN #c"]);
  await u.run("AWAY :brb");
  assert.deepEqual(watcher.take(), [":u!~u@10.0.0.3 AWAY :brb"]);
  assert.deepEqual(other.take(), []);
  await u.run("SETNAME :New Name");
  assert.deepEqual(watcher.take(), [":u!~u@10.0.0.3 SETNAME :New Name"]);
  assert.equal(u.user.realname, "New Name");
});

Deno.test("WHO on a channel and a mask, with flags", async () => {
  const h = await Harness.create();
  const [a, b] = [await h.user("alice"), await h.user("bob")];
  await a.run("JOIN #c");
  await b.run("JOIN #c");
  await b.run("AWAY :out");
  const lines = await a.run("WHO #c");
  assert.deepEqual(lines, [
    ":chat.local 352 alice #c ~alice 10.0.0.1 chat.local alice H@ :0 alice real",
    ":chat.local 352 alice #c ~bob 10.0.0.2 chat.local bob G :0 bob real",
    ":chat.local 315 alice #c :End of /WHO list",
  ]);
  assert.equal(
    (await a.run("WHO b*"))[0],
    ":chat.local 352 alice * ~bob 10.0.0.2 chat.local bob G :0 bob real",
  );
  const c = await h.user("carol");
  await c.run("MODE carol +i");
  assert.deepEqual(commands(await a.run("WHO car*")), ["315"]); // invisible, no shared channel
  // an exact nick names one user, invisible or not (Modern IRC docs; WHOIS shows her anyway)
  assert.deepEqual(commands(await a.run("WHO carol")), ["352", "315"]);
});

Deno.test("WHOIS shows user, channels, server, away, idle; 401 for unknown", async () => {
  const h = await Harness.create();
  const [a, b] = [await h.user("alice"), await h.user("bob")];
  await b.run("JOIN #c");
  await b.run("AWAY :busy");
  const lines = await a.run("WHOIS bob");
  assert.deepEqual(commands(lines), ["311", "319", "312", "301", "317", "318"]);
  assert.equal(lines[0], ":chat.local 311 alice bob ~bob 10.0.0.2 * :bob real");
  assert.equal(lines[1], ":chat.local 319 alice bob :@#c");
  assert.deepEqual(commands(await a.run("WHOIS ghost")), ["401", "318"]);
});

Deno.test("ISON and USERHOST report who is online", async () => {
  const h = await Harness.create();
  const [a] = [await h.user("alice"), await h.user("bob")];
  assert.deepEqual(await a.run("ISON bob ghost ALICE"), [":chat.local 303 alice :bob alice"]);
  assert.deepEqual(await a.run("ISON :bob ghost"), [":chat.local 303 alice :bob"]);
  assert.deepEqual(await a.run("USERHOST bob"), [":chat.local 302 alice :bob=+~bob@10.0.0.2"]);
});

Deno.test("OPER: 491 unknown name, 464 bad password, 381 and +o; KILL and WALLOPS", async () => {
  const h = await Harness.create({ opers: [{ name: "root", password: "pw" }] });
  const [a, b] = [await h.user("alice"), await h.user("bob")];
  assert.deepEqual(commands(await a.run("KILL bob :no")), ["481"]);
  assert.deepEqual(commands(await a.run("OPER admin pw")), ["491"]);
  assert.deepEqual(commands(await a.run("OPER root wrong")), ["464"]);
  const ok = await a.run("OPER root pw");
  assert.deepEqual(commands(ok), ["381", "MODE"]);
  assert.ok(a.user.isOper);
  assert.ok((await b.run("WHOIS alice")).some((l) => l.includes(" 313 bob alice ")));
  await b.run("MODE bob +w");
  await a.run("WALLOPS :maintenance at noon");
  assert.deepEqual(b.take(), [":alice!~alice@10.0.0.1 WALLOPS :maintenance at noon"]);
  await a.run("KILL bob :spamming");
  assert.equal(b.terminated, "Killed (alice (spamming))");
  assert.equal(h.hub.findUser("bob"), undefined);
});

Deno.test("server operators override channel op checks", async () => {
  const h = await Harness.create({ opers: [{ name: "root", password: "pw" }] });
  const [a, o] = [await h.user("alice"), await h.user("oper")];
  await a.run("JOIN #c");
  await o.run("JOIN #c");
  await o.run("OPER root pw");
  assert.equal(commands(await o.run("MODE #c +m"))[0], "MODE");
  assert.equal(commands(await o.run("TOPIC #c :set by oper"))[0], "TOPIC");
  assert.equal(commands(await o.run("KICK #c alice"))[0], "KICK");
});

Deno.test("client-only tags with names off the IRCv3 grammar are neither relayed nor stored", async () => {
  const h = await Harness.create();
  const caps = ["message-tags", "draft/chathistory", "batch"];
  const [a, b] = [await h.user("alice", caps), await h.user("bob", caps)];
  for (const u of [a, b]) await u.run("JOIN #t");
  b.take();
  await a.run("@+x\rQUIT;+y=1;=v;+\ufffd=2;+k\0ey=3;+n=a\0b PRIVMSG #t :t1");
  const [relayed = ""] = b.take();
  assert.match(relayed, /^@msgid=[^;]+;\+y=1;\+n=ab :alice!\S+ PRIVMSG #t :t1$/);
  const replayed = (await b.run("CHATHISTORY LATEST #t * 5")).filter((l) => l.includes("PRIVMSG"));
  assert.equal(replayed.length, 1);
  assert.deepEqual(Object.keys(parseMessage(replayed[0]!)!.tags!).sort(), [
    "+n",
    "+y",
    "batch",
    "msgid",
    "time",
  ]);
  assert.ok(!/[\r\0]/.test(replayed[0]!));
});

Deno.test("a long message to several targets: each line fits 512 bytes and is stored as relayed", async () => {
  const h = await Harness.create();
  const caps = ["draft/chathistory", "batch"];
  const a = await h.user("a".repeat(30));
  const [b, c] = [await h.user("bob", caps), await h.user("carol", caps)];
  for (const u of [a, b, c]) await u.run("JOIN #a,#a-much-longer-channel-name");
  b.take();
  const text = "é".repeat(249);
  await a.run(`PRIVMSG #a,#a-much-longer-channel-name :${text}`);
  const lines = b.take();
  assert.equal(lines.length, 2);
  const sizes = lines.map((l) => new TextEncoder().encode(l + "\r\n").length);
  assert.ok(sizes.every((n) => n <= 512 && n >= 511), `sizes ${sizes}`);
  const texts = lines.map((l) => parseMessage(l)!.params[1]!);
  assert.ok(texts[1]!.length < texts[0]!.length && texts.every((t) => text.startsWith(t)));
  for (const [i, channel] of ["#a", "#a-much-longer-channel-name"].entries()) {
    const history = await c.run(`CHATHISTORY LATEST ${channel} * 5`);
    const replayed = history.filter((l) => l.includes(" PRIVMSG "));
    assert.deepEqual(replayed.map((l) => parseMessage(l)!.params[1]), [texts[i]]);
  }
});
