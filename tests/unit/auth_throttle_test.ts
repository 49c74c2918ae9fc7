import assert from "node:assert/strict";
import { AuthThrottle, sourceOf } from "../../server/auth_throttle.ts";
import { parseCidr } from "../../server/cidr.ts";

const LOOPBACK = [parseCidr("127.0.0.0/8")!];

/** A connection from `hostname` (the throttle tells connections apart by object identity). */
const conn = (hostname: string) => ({ hostname });

/** Begins a check and fails it; the refusal, or "wrong". */
function wrong(t: AuthThrottle, c: { hostname: string }, account: string, now: number) {
  const permit = t.beginCheck(c, account, now);
  if (typeof permit === "string") return permit;
  return t.failed(permit) ? "close" : "wrong";
}

Deno.test("auth throttle: the per-account budget is per source", () => {
  const t = new AuthThrottle([]);
  const attacker = conn("198.51.100.7");
  for (let i = 0; i < 5; i++) assert.equal(wrong(t, attacker, "alice", 0), "wrong");
  assert.equal(t.beginCheck(attacker, "ALICE", 0), "throttled"); // case-folded
  const owner = t.beginCheck(conn("203.0.113.9"), "alice", 0);
  assert.notEqual(typeof owner, "string");
  // one account every 12 s again for the attacker
  assert.notEqual(typeof t.beginCheck(attacker, "alice", 12_000), "string");
});

Deno.test("auth throttle: spraying accounts from one source; success is free; connection closed", () => {
  const t = new AuthThrottle([]);
  const ip = "198.51.100.7";
  const first = conn(ip);
  for (let i = 0; i < 9; i++) assert.equal(wrong(t, first, `acct${i}`, 0), "wrong");
  const second = conn(ip);
  assert.equal(wrong(t, second, "acct9", 0), "wrong"); // the 10th check from this source
  assert.equal(t.beginCheck(second, "acct10", 0), "throttled");
  // six a minute after the burst
  const later = t.beginCheck(second, "acct11", 10_000);
  assert.notEqual(typeof later, "string");
  if (typeof later !== "string") t.succeeded(later); // gives the token back
  assert.notEqual(typeof t.beginCheck(second, "acct12", 10_000), "string");
  assert.equal(t.beginCheck(second, "acct13", 10_000), "throttled");
  // `first` failed 9 times; its 10th failure (even a refused check) closes it
  assert.equal(t.beginCheck(first, "acct14", 10_000), "close");
  // other sources and exempt ranges are not concerned
  assert.equal(wrong(t, conn("198.51.100.8"), "acct0", 0), "wrong");
  const local = new AuthThrottle(LOOPBACK);
  for (let i = 0; i < 20; i++) assert.equal(wrong(local, conn("127.0.0.1"), `a${i}`, 0), "wrong");
});

Deno.test("auth throttle: registrations per source, a burst of 3 then 6 an hour", () => {
  const t = new AuthThrottle(LOOPBACK);
  const c = conn("198.51.100.7");
  assert.deepEqual([1, 2, 3, 4].map(() => t.allowRegistration(c, 0)), [true, true, true, false]);
  assert.equal(t.allowRegistration(conn("198.51.100.7"), 0), false); // the source, not the socket
  assert.equal(t.allowRegistration(c, 600_000), true);
  assert.equal(t.allowRegistration(conn("198.51.100.8"), 0), true);
  assert.ok([1, 2, 3, 4, 5].every(() => t.allowRegistration(conn("127.0.0.1"), 0)));
});

Deno.test("auth throttle: IPv6 sources are /64s; remembered budgets are swept", () => {
  assert.equal(sourceOf("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(sourceOf("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  assert.equal(sourceOf("::ffff:10.1.2.3"), "10.1.2.3");
  const t = new AuthThrottle([]);
  assert.ok([1, 2, 3].every(() => t.allowRegistration(conn("2001:db8:1:2::1"), 0)));
  assert.equal(t.allowRegistration(conn("2001:db8:1:2::2"), 0), false);
  for (let i = 0; i < 50_000; i++) {
    const permit = t.beginCheck(conn(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`), "x", i);
    if (typeof permit !== "string") t.failed(permit);
  }
  // at most ~10,000 kept past the sweeps (plus what is not yet recovered)
  assert.ok(t.size < 30_000, `${t.size} budgets kept`);
  t.sweep(10_000_000);
  assert.equal(t.size, 0);
});
