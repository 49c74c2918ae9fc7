import assert from "node:assert/strict";
import { parseMessage } from "../../protocol/message.ts";
import { decodePlain, isLoopback } from "../../server/commands/sasl.ts";
import { scryptRuns } from "../../server/credentials.ts";
import { enforceNick } from "../../server/login.ts";
import { MAX_CERTS_PER_ACCOUNT } from "../../server/store/accounts.ts";
import { openSqliteStores } from "../../server/store/stores.ts";
import { commands, Harness, type RecordedUser } from "../helpers/harness.ts";

const b64 = (s: string) => btoa(s);

/** Runs the SASL PLAIN exchange and returns the final replies. */
async function sasl(u: RecordedUser, account: string, password: string): Promise<string[]> {
  await u.run("AUTHENTICATE PLAIN");
  return await u.run(`AUTHENTICATE ${b64(`\0${account}\0${password}`)}`);
}

Deno.test("SASL PLAIN: success logs in (900, 903), failure is 904, abort 906, twice 907", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("alice", "correct horse");
  const u = h.connect();
  u.session.secure = true;
  assert.deepEqual(await u.run("AUTHENTICATE PLAIN"), [":chat.local AUTHENTICATE +"]);
  assert.deepEqual(commands(await u.run(`AUTHENTICATE ${b64("\0alice\0wrong")}`)), ["904"]);
  assert.deepEqual(commands(await sasl(u, "alice", "correct horse")), ["900", "903"]);
  assert.equal(u.user.account, "alice");
  assert.deepEqual(commands(await u.run("AUTHENTICATE PLAIN")), ["907"]);
  const v = h.connect();
  v.session.secure = true;
  await v.run("AUTHENTICATE PLAIN");
  assert.deepEqual(commands(await v.run("AUTHENTICATE *")), ["906"]);
  assert.deepEqual(commands(await v.run("AUTHENTICATE DIGEST-MD5")), ["908", "904"]);
});

Deno.test("SASL PLAIN is refused on plaintext from non-loopback addresses", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("alice", "correct horse");
  const u = h.connect(); // 10.0.0.1, not TLS
  assert.deepEqual(await u.run("AUTHENTICATE PLAIN"), [
    ":chat.local 904 * :SASL PLAIN needs a TLS connection",
  ]);
  assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("::ffff:127.0.0.2"));
  assert.ok(!isLoopback("10.0.0.1") && !isLoopback("2001:db8::1"));
});

Deno.test("SASL PLAIN payloads: authzid must be empty or the same; bad base64 fails", () => {
  assert.deepEqual(decodePlain(b64("\0bob\0pw")), { authcid: "bob", password: "pw" });
  assert.deepEqual(decodePlain(b64("bob\0bob\0pw")), { authcid: "bob", password: "pw" });
  assert.equal(decodePlain(b64("admin\0bob\0pw")), undefined);
  assert.equal(decodePlain(b64("bob\0pw")), undefined);
  assert.equal(decodePlain("!!!"), undefined);
});

/** A TLS user of the harness whose address is `ip` (several connections may share one). */
function from(h: Harness, ip: string): RecordedUser {
  const u = h.connect();
  u.user.hostname = ip;
  u.session.secure = true;
  return u;
}

/** A registered TLS user of the harness at `ip`. */
async function userFrom(h: Harness, nick: string, ip: string): Promise<RecordedUser> {
  const u = await h.user(nick);
  u.user.hostname = ip;
  u.session.secure = true;
  return u;
}

Deno.test("an attacker's failed logins do not lock the owner out: budgets are per source", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("alice", "correct-horse");
  const attacker = from(h, "198.51.100.7");
  for (let i = 0; i < 5; i++) {
    assert.match(
      (await sasl(attacker, "alice", "guess"))[0]!,
      / 904 \* :SASL authentication failed$/,
    );
  }
  // the right password, but this source's budget for alice is spent
  assert.match((await sasl(attacker, "alice", "correct-horse"))[0]!, / 904 \* :Too many attempts/);
  // alice herself, from another address, logs in at once
  const owner = from(h, "203.0.113.9");
  assert.deepEqual(commands(await sasl(owner, "alice", "correct-horse")), ["900", "903"]);
  // and by NickServ IDENTIFY too, while the attacker stays throttled there as well
  const owner2 = await userFrom(h, "alice2", "203.0.113.9");
  assert.match((await owner2.run("NS IDENTIFY alice correct-horse")).join(), /now logged in/);
  const a2 = await userFrom(h, "mallory", "198.51.100.7");
  assert.match((await a2.run("NS IDENTIFY alice correct-horse")).join(), /Too many attempts/);
});

Deno.test("password spraying from one address is throttled, whatever accounts it names", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("alice", "correct horse");
  const ip = "198.51.100.7";
  const first = from(h, ip);
  const runs = scryptRuns();
  // known and unknown accounts alike: one hash each, the same 904
  for (let i = 0; i < 5; i++) {
    const account = i === 2 ? "alice" : `nobody${i}`;
    assert.match(
      (await sasl(first, account, "Summer2024!"))[0]!,
      / 904 \* :SASL authentication failed$/,
    );
  }
  assert.equal(scryptRuns() - runs, 5);
  const second = await userFrom(h, "sprayer", ip);
  for (let i = 5; i < 10; i++) {
    assert.match((await second.run(`NS IDENTIFY user${i} Summer2024!`)).join(), /Wrong account/);
  }
  assert.equal(scryptRuns() - runs, 10);
  // the address has used its burst: refused without hashing, on every path
  const third = await userFrom(h, "sprayer2", ip);
  assert.match(
    (await sasl(third, "user10", "Summer2024!"))[0]!,
    / 904 sprayer2 :Too many attempts/,
  );
  assert.match((await third.run("NS IDENTIFY user11 Summer2024!")).join(), /Too many attempts/);
  assert.equal(scryptRuns() - runs, 10);
  // another address is not concerned
  assert.deepEqual(commands(await sasl(from(h, "203.0.113.9"), "alice", "correct horse")), [
    "900",
    "903",
  ]);
});

Deno.test("a connection that fails 10 logins is closed", async () => {
  const h = await Harness.create();
  const u = from(h, "198.51.100.7");
  for (let i = 0; i < 9; i++) await sasl(u, `acct${i}`, "guess");
  assert.equal(u.terminated, undefined);
  await sasl(u, "acct9", "guess");
  assert.equal(u.terminated, "Too many failed login attempts");
});

Deno.test("GHOST, DROP and OPER password checks share the per-source budgets", async () => {
  const h = await Harness.create({ opers: [{ name: "root", password: "op-secret" }] });
  await h.stores.accounts.create("bob", "bobs password");
  const owner = await userFrom(h, "bob", "203.0.113.9");
  const mallory = await userFrom(h, "mallory", "198.51.100.7");
  const notice = async (u: RecordedUser, line: string) => (await u.run(line)).join("\n");
  for (let i = 0; i < 5; i++) {
    assert.match(await notice(mallory, "OPER root guess"), / 464 mallory :Password incorrect/);
  }
  assert.match(await notice(mallory, "OPER root op-secret"), / 464 mallory :Too many attempts/);
  assert.match(await notice(owner, "OPER root op-secret"), / 381 bob /);
  for (let i = 0; i < 3; i++) assert.match(await notice(mallory, "NS GHOST bob x"), /Wrong/);
  // 5 + 3 + 2 = the 10 checks of the address's burst
  await mallory.run("NICK mallory2");
  await mallory.run("NS REGISTER malloryspass");
  assert.match(await notice(mallory, "NS DROP nope"), /Wrong password/);
  assert.match(await notice(mallory, "NS DROP nope2"), /Wrong password/);
  assert.match(await notice(mallory, "NS DROP malloryspass"), /Too many attempts/);
  assert.ok(h.stores.accounts.find("mallory2"));
  assert.equal(owner.terminated, undefined);
});

Deno.test("account registration is throttled per address (REGISTER and NickServ)", async () => {
  const h = await Harness.create();
  const ip = "198.51.100.7";
  const made: string[] = [];
  for (let i = 0; i < 3; i++) {
    const u = await userFrom(h, `bot${i}`, ip);
    const line = i % 2 ? `NS REGISTER password${i}` : `REGISTER * * password${i}`;
    assert.ok((await u.run(line)).some((l) => / 900 /.test(l)), line);
    made.push(`bot${i}`);
  }
  const fourth = await userFrom(h, "bot3", ip);
  assert.match(
    (await fourth.run("REGISTER * * password3"))[0]!,
    /^:chat\.local FAIL REGISTER TEMPORARILY_UNAVAILABLE bot3 :Too many accounts registered from your address/,
  );
  assert.match(
    (await fourth.run("NS REGISTER password3")).join(),
    /Too many accounts registered from your address/,
  );
  assert.equal(h.stores.accounts.find("bot3"), undefined);
  // someone else is not concerned, and an existing name says so without spending anything
  const other = await h.user("carol");
  assert.deepEqual(commands(await other.run("REGISTER * * password9")), ["900", "REGISTER"]);
  assert.deepEqual(made.map((n) => h.stores.accounts.find(n)?.name), made);
});

Deno.test("REGISTER (draft/account-registration): success, exists, weak, wrong name", async () => {
  const h = await Harness.create();
  const u = await h.user("dora");
  assert.deepEqual(commands(await u.run("REGISTER * * short")), ["FAIL"]);
  assert.match((await u.run("REGISTER other * longenough"))[0]!, /FAIL REGISTER BAD_ACCOUNT_NAME/);
  const ok = await u.run("REGISTER * * longenough");
  assert.deepEqual(commands(ok), ["900", "REGISTER"]);
  assert.equal(ok[1], ":chat.local REGISTER SUCCESS dora :Account created");
  assert.match((await u.run("REGISTER * * longenough"))[0]!, /ALREADY_AUTHENTICATED/);
  const v = await h.user("Dora_");
  await v.run("NICK Dora2");
  assert.ok(h.stores.accounts.find("DORA"));
  assert.match((await v.run("VERIFY dora 123"))[0]!, /FAIL VERIFY INVALID_CODE/);
  const pre = h.connect();
  assert.match(
    (await pre.run("REGISTER * * longenough"))[0]!,
    /FAIL REGISTER COMPLETE_CONNECTION_REQUIRED/,
  );
});

Deno.test("NickServ: REGISTER, LOGOUT, IDENTIFY, INFO, GHOST, DROP; NS shortcut", async () => {
  const h = await Harness.create();
  const u = await h.user("erin");
  const say = async (line: string) =>
    (await u.run(line)).filter((l) => l.startsWith(":NickServ!")).map((l) =>
      parseMessage(l)!.params[1]
    );
  assert.deepEqual(await say("PRIVMSG NickServ :REGISTER hunter22"), [
    "Account erin registered; you are logged in.",
  ]);
  assert.ok((await say("NS LOGOUT")).includes("You are now logged out."));
  assert.equal(u.user.account, undefined);
  assert.deepEqual(await say("PRIVMSG NickServ :IDENTIFY nope"), [
    "Wrong account name or password.",
  ]);
  assert.deepEqual(await say("NICKSERV IDENTIFY erin hunter22"), [
    "You are now logged in as erin.",
  ]);
  assert.match((await say("NS INFO erin"))[1]!, /Logged in now as: erin/);
  const thief = await h.user("erin_");
  await thief.run("NICK erin2");
  // the real owner, logged in, ghosts someone holding another nick of theirs? Not theirs: refused
  assert.deepEqual(await say("NS GHOST erin2"), ["erin2 is not registered."]);
  assert.deepEqual(await say("NS DROP wrongpass"), ["Wrong password."]);
  assert.deepEqual(await say("NS DROP hunter22"), ["Account erin dropped."]);
  assert.equal(h.stores.accounts.find("erin"), undefined);
  assert.deepEqual(commands(await u.run("NICK NickServ")), ["432"]);
  // nothing sent to services is relayed or stored
  assert.equal(h.stores.history.count(), 0);
});

Deno.test("a registered nick taken without its account: notice, then renamed after the grace", async () => {
  const h = await Harness.create({ limits: { nickGraceMs: 1000 } });
  await h.stores.accounts.create("frank", "password1");
  const thief = h.connect();
  await thief.run("NICK frank");
  const welcome = await thief.run("USER f 0 * :F");
  assert.ok(welcome.some((l) => l.startsWith(":NickServ!") && l.includes("is registered")));
  assert.ok(thief.user.nickDeadline !== undefined);
  await enforceNick(thief.user, h.hub, h.stores.accounts, h.info);
  assert.match(thief.user.nick, /^Guest\d{5}$/);
  assert.ok(thief.take().some((l) => / NICK :?Guest\d{5}$/.test(l)));
  // the owner logging in during the grace keeps the nick
  const owner = h.connect();
  owner.session.secure = true;
  await owner.run("NICK frank");
  await owner.run("USER f 0 * :F");
  await owner.run("NS IDENTIFY password1");
  assert.equal(owner.user.nickDeadline, undefined);
  await enforceNick(owner.user, h.hub, h.stores.accounts, h.info);
  assert.equal(owner.user.nick, "frank");
});

Deno.test("account-notify, account-tag, extended-join and WHOIS 330 show the account", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("gina", "password1");
  const watcher = await h.user("watch", ["account-notify", "account-tag", "extended-join"]);
  const g = await h.user("gina");
  await watcher.run("JOIN #c");
  await g.run("NS IDENTIFY password1");
  await g.run("JOIN #c");
  const lines = watcher.take();
  assert.ok(lines.includes(":gina!~gina@10.0.0.2 JOIN #c gina :gina real"), lines.join("\n"));
  await g.run("PRIVMSG #c :tagged");
  assert.match(watcher.take()[0]!, /^@account=gina :gina!~gina@10\.0\.0\.2 PRIVMSG #c :tagged$/);
  await g.run("NS LOGOUT");
  assert.deepEqual(watcher.take(), [":gina!~gina@10.0.0.2 ACCOUNT *"]);
  await g.run("NS IDENTIFY password1");
  assert.deepEqual(watcher.take(), [":gina!~gina@10.0.0.2 ACCOUNT gina"]);
  assert.ok(
    (await watcher.run("WHOIS gina")).includes(":chat.local 330 watch gina gina :is logged in as"),
  );
});

Deno.test("ChanServ: a registered channel keeps topic, modes and founder after emptying", async () => {
  const h = await Harness.create();
  await h.stores.accounts.create("hank", "password1");
  const u = await h.user("hank");
  await u.run("JOIN #reg");
  assert.match((await u.run("CS REGISTER #reg")).join(), /Log in first/);
  await u.run("NS IDENTIFY password1");
  assert.match((await u.run("CS REGISTER #reg")).join(), /#reg is registered to hank/);
  await u.run("TOPIC #reg :Kept across restarts");
  await u.run("MODE #reg +ki secret");
  await u.run("PART #reg");
  assert.equal(h.hub.stats().channels, 0); // gone from memory while empty
  const saved = h.stores.channels.load("#REG")!;
  assert.equal(saved.topic?.text, "Kept across restarts");
  assert.equal(saved.key, "secret");
  assert.equal(saved.founder, "hank");
  // a non-founder recreating it gets no op and meets the saved modes
  const other = await h.user("ivan");
  assert.deepEqual(commands(await other.run("JOIN #reg secret")), ["473"]);
  const back = await u.run("JOIN #reg secret");
  assert.ok(back.includes(":chat.local 332 hank #reg :Kept across restarts"));
  assert.ok(back.some((l) => l.includes(" 353 hank = #reg :@hank")));
  assert.match((await u.run("CS INFO #reg")).join(), /founder hank/);
  assert.match((await u.run("CS DROP #reg")).join(), /no longer registered/);
  assert.equal(h.stores.channels.load("#reg"), undefined);
});

Deno.test("dropping an account drops its channels: whoever registers the name is no founder", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice", ["account-notify"]);
  await alice.run("NS REGISTER wonderland");
  await alice.run("JOIN #owned,#gone");
  await alice.run("CS REGISTER #owned");
  await alice.run("CS REGISTER #gone");
  await alice.run("MODE #owned +ik secret");
  await alice.run("MODE #gone +ik secret");
  await alice.run("PART #gone"); // #gone lives on only in the registry
  // a second connection logged in to the same account: a session of alice's user
  const other = await h.user("elsewhere");
  await other.run("NS IDENTIFY alice wonderland");
  assert.equal(other.user, alice.user);
  other.take();
  const drop = await alice.run("NS DROP wonderland");
  assert.ok(drop.includes(
    ":chat.local 901 alice alice!~alice@10.0.0.1 :You are now logged out: account alice was dropped",
  ));
  assert.ok(drop.includes(":NickServ!NickServ@chat.local NOTICE alice :Account alice dropped."));
  assert.deepEqual(commands(other.take()), ["901"]);
  assert.equal(other.user.account, undefined);
  assert.equal(h.hub.findChannel("#owned")!.founder, undefined);
  assert.equal(h.stores.channels.load("#owned"), undefined);
  assert.equal(h.stores.channels.load("#gone"), undefined);
  // WHOIS and ChanServ agree: nobody is logged in as alice, and nothing is registered to her
  assert.ok(!(await alice.run("WHOIS alice")).some((l) => l.includes(" 330 ")));
  assert.match((await alice.run("CS INFO #owned")).join(), /#owned is not registered/);
  // alice steps aside; mallory takes the name and registers it as an account
  await alice.run("NICK alice_");
  const mallory = await h.user("Alice");
  await mallory.run("NS REGISTER mallory-pw");
  assert.equal(mallory.user.account, "Alice");
  assert.deepEqual(commands(await mallory.run("JOIN #owned")), ["475"]); // no founder's way in
  assert.match((await mallory.run("CS INFO #owned")).join(), /#owned is not registered/);
  // the empty registered channel is not brought back with alice's modes and key
  assert.equal(commands(await mallory.run("JOIN #gone"))[0], "JOIN");
  assert.equal((await mallory.run("MODE #gone"))[0], ":chat.local 324 Alice #gone :+nt");
  assert.match((await mallory.run("CS INFO #gone")).join(), /#gone is not registered/);
  // a session still logged in to a dropped account (a race) cannot register a channel with it
  const stale = await h.user("stale");
  await stale.run("JOIN #late");
  stale.user.account = "ghost";
  assert.match((await stale.run("CS REGISTER #late")).join(), /Log in first/);
});

Deno.test("registrations left by accounts dropped before are dropped when the database opens", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chat.db`;
    const saved = (name: string, founder: string) => ({
      name,
      founder,
      topic: undefined,
      modes: "nt",
      key: undefined,
      limit: undefined,
      bans: [],
      banExceptions: [],
      inviteExceptions: [],
      created: 1,
    });
    const first = openSqliteStores(path);
    await first.accounts.create("kept", "password1");
    first.channels.save(saved("#kept", "kept"));
    first.channels.save(saved("#orphan", "dropped-long-ago"));
    await first.close();
    const again = openSqliteStores(path);
    assert.equal(again.channels.load("#kept")?.founder, "kept");
    assert.equal(again.channels.load("#orphan"), undefined);
    await again.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an unreachable account store is a clear reply, never a crash", async () => {
  const h = await Harness.create();
  const u = await h.user("jade");
  const down = () => Promise.reject(new Error("store unreachable"));
  h.stores.accounts.create = down;
  h.stores.accounts.verify = down;
  assert.match(
    (await u.run("REGISTER * * longenough"))[0]!,
    /FAIL REGISTER TEMPORARILY_UNAVAILABLE jade/,
  );
  assert.match((await u.run("NS IDENTIFY jade longenough")).join(), /unavailable right now/);
  u.session.secure = true;
  assert.match((await sasl(u, "jade", "longenough")).join(), / 904 jade :Accounts are unavailable/);
  assert.equal(u.terminated, undefined);
});

Deno.test("Certificate fingerprints: one owner each, at most MAX_CERTS_PER_ACCOUNT, gone with the account", async () => {
  const stores = openSqliteStores(":memory:");
  const accounts = stores.accounts;
  try {
    await accounts.create("alice", "correct horse");
    await accounts.create("bob", "battery staple");
    const fp = (n: number) => n.toString(16).padStart(64, "0");
    assert.equal(await accounts.addCert("alice", fp(1)), "added");
    assert.equal(await accounts.addCert("ALICE", fp(1)), "exists");
    assert.equal(await accounts.addCert("bob", fp(1)), "taken");
    assert.equal((await accounts.certAccount(fp(1)))?.name, "alice");
    for (let i = 2; i <= MAX_CERTS_PER_ACCOUNT; i++) await accounts.addCert("alice", fp(i));
    assert.equal(await accounts.addCert("alice", fp(999)), "full");
    assert.equal(await accounts.deleteCert("bob", fp(1)), false, "not bob's to delete");
    await accounts.dropAccount("alice");
    assert.equal(await accounts.certAccount(fp(1)), undefined);
    assert.equal(await accounts.addCert("bob", fp(1)), "added", "free again");
  } finally {
    await stores.close();
  }
});
