import assert from "node:assert/strict";
import { ServerBans } from "../../server/bans.ts";
import { silentLogger } from "../../server/log.ts";
import { MemoryBans } from "../../server/store/server_bans.ts";
import { waitUntil } from "../helpers/wait.ts";
import {
  BanList,
  type BanSubject,
  dlineMatches,
  klineMatches,
  matchesEveryone,
  parseDlineMask,
  parseDuration,
  parseKlineMask,
  type ServerBan,
} from "../../server/server_bans.ts";

const bob: BanSubject = {
  nick: "Bob",
  username: "~bob",
  hostname: "Host.Example.COM",
  ip: "192.0.2.7",
  account: "Bobby",
};

function ban(kind: "K" | "D", mask: string, expiresAt?: number): ServerBan {
  return { kind, mask, reason: "r", setBy: "op", setAt: 0, expiresAt };
}

Deno.test("ban durations: minutes by default, s/m/h/d/w units, 0 permanent, too long or malformed refused", () => {
  assert.equal(parseDuration("10"), 600_000);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("2H"), 7_200_000);
  assert.equal(parseDuration("1d"), 86_400_000);
  assert.equal(parseDuration("1w"), 604_800_000);
  assert.equal(parseDuration("0"), 0);
  for (const bad of ["", "-1", "1.5", "5x", "10 m", "999999999w"]) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

Deno.test("K-line masks: user@host, nick!user@host and $a:account, lower-cased; others refused", () => {
  assert.equal(parseKlineMask("~Bob@HOST.example.com"), "~bob@host.example.com");
  assert.equal(parseKlineMask("Bob!*@*"), "bob!*@*");
  assert.equal(parseKlineMask("$a:Bob*"), "$a:bob*");
  for (
    const bad of ["bob", "@host", "bob@", "a@b@c", "$a:", "a b@c", "a,b@c", "x@" + "h".repeat(300)]
  ) {
    assert.ok(typeof parseKlineMask(bad) !== "string", bad);
  }
  assert.equal(parseDlineMask("10.0.0.0/8"), "10.0.0.0/8");
  assert.equal(parseDlineMask("2001:DB8::/32"), "2001:db8::/32");
  for (const bad of ["10.0.0.0/33", "host.example", "1.2.3.4/8/8", ""]) {
    assert.ok(typeof parseDlineMask(bad) !== "string", bad);
  }
});

Deno.test("a mask matching everyone is recognized, a narrower one is not", () => {
  for (const mask of ["*@*", "*!*@*", "**@*", "$a:*"]) assert.ok(matchesEveryone("K", mask), mask);
  for (const mask of ["0.0.0.0/0", "::/0", "10.0.0.0/0"]) {
    assert.ok(matchesEveryone("D", mask), mask);
  }
  for (const mask of ["*@*.example", "~*@*", "*!*@1.2.3.4", "$a:bob*"]) {
    assert.ok(!matchesEveryone("K", mask), mask);
  }
  for (const mask of ["0.0.0.0/1", "::1", "10.0.0.0/8"]) {
    assert.ok(!matchesEveryone("D", mask), mask);
  }
});

Deno.test("K-lines match the host shown or the address, case-insensitively; accounts by $a:", () => {
  assert.ok(klineMatches("~bob@host.example.com", bob));
  assert.ok(klineMatches("*@*.example.com", bob));
  assert.ok(klineMatches("~b?b@192.0.2.*", bob), "the address counts too");
  assert.ok(klineMatches("bob!*@*", bob));
  assert.ok(!klineMatches("alice!*@*", bob));
  assert.ok(!klineMatches("~alice@*", bob));
  assert.ok(klineMatches("$a:bob*", bob));
  assert.ok(!klineMatches("$a:bob", bob));
  assert.ok(!klineMatches("$a:*", { ...bob, account: undefined }), "not logged in: no account");
  assert.ok(dlineMatches("192.0.2.0/24", "192.0.2.7"));
  assert.ok(dlineMatches("192.0.2.7", "::ffff:192.0.2.7"), "IPv4-mapped addresses too");
  assert.ok(!dlineMatches("192.0.2.0/24", "192.0.3.7"));
  assert.ok(dlineMatches("2001:db8::/32", "2001:db8::1"));
});

Deno.test("the ban list: matching in force only, expiry by the clock given, replace tells a change", () => {
  const list = new BanList();
  list.add(ban("K", "~bob@*", 1000));
  list.add(ban("K", "$a:other", undefined));
  list.add(ban("D", "192.0.2.0/24", 2000));
  assert.equal(list.kline(bob, 999)?.mask, "~bob@*");
  assert.equal(
    list.kline(bob, 1000),
    undefined,
    "expired: no longer matches, even before expire()",
  );
  assert.equal(list.dline("192.0.2.200", 1999)?.mask, "192.0.2.0/24");
  assert.equal(list.dline("192.0.2.200", 2000), undefined);
  assert.equal(list.dline("not an address", 0), undefined);
  assert.deepEqual(list.list("K", 500).map((b) => b.mask), ["~bob@*", "$a:other"]);
  assert.deepEqual(list.list("K", 1500).map((b) => b.mask), ["$a:other"]);
  assert.deepEqual(list.expire(1500).map((b) => b.mask), ["~bob@*"]);
  assert.equal(list.count("K"), 1);
  assert.deepEqual(list.expire(5000).map((b) => b.mask), ["192.0.2.0/24"]);
  assert.equal(list.count("D"), 0);
  assert.ok(list.remove("K", "$a:other"));
  assert.ok(!list.remove("K", "$a:other"));
  assert.ok(list.replace([ban("K", "x@y")]));
  assert.ok(!list.replace([ban("K", "x@y")]), "the same bans: no change");
  assert.ok(list.replace([{ ...ban("K", "x@y"), reason: "other" }]));
  assert.ok(list.replace([]));
});

/** A store another node writes to as well: `shared`, read again on the tick. */
class SharedStore extends MemoryBans {
  override readonly shared = true;
}

Deno.test("bans kept with a shared store: read again on the tick, a change told, expired ones deleted", async () => {
  const store = new SharedStore();
  await store.put(ban("K", "~a@*"));
  const bans = new ServerBans();
  await bans.load(store, silentLogger);
  assert.equal(bans.kline({ ...bob, username: "~a" }, 0)?.mask, "~a@*");
  let changes = 0;
  bans.onChange(() => changes++);
  // another node adds one: seen at the fourth tick's read
  await store.put(ban("D", "192.0.2.0/24", 10_000));
  for (let i = 0; i < 4; i++) bans.tick(0);
  await waitUntil(() => changes === 1, "the shared store was read again");
  assert.equal(bans.dline("192.0.2.1", 0)?.mask, "192.0.2.0/24");
  // expired: forgotten here and in the store
  bans.tick(10_000);
  assert.equal(bans.dline("192.0.2.1", 10_000), undefined);
  await waitUntil(() => bans.list.count("D") === 0, "expired");
  assert.deepEqual((await store.all()).map((b) => b.mask), ["~a@*"]);
  // a local add is stored and told at once
  await bans.add(ban("K", "~b@*"));
  assert.equal(changes, 2);
  assert.ok(await bans.remove("K", "~b@*"));
  assert.ok(!await bans.remove("K", "~b@*"));
});
