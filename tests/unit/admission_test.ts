import assert from "node:assert/strict";
import { Admission } from "../../server/admission.ts";
import { cidrContains, parseCidr, parseIp } from "../../server/cidr.ts";
import { TokenBucket } from "../../util/token_bucket.ts";

Deno.test("token bucket: a burst, then a steady rate, with the wait time", () => {
  const b = new TokenBucket(3, 2, 0);
  assert.deepEqual([b.take(0), b.take(0), b.take(0)], [0, 0, 0]);
  assert.equal(b.take(0), 500);
  assert.equal(b.take(499), 2);
  assert.equal(b.take(500), 0);
  assert.equal(b.isFull(500), false);
  assert.equal(b.isFull(2000), true);
});

Deno.test("addresses and ranges: IPv4, IPv6, IPv4-mapped IPv6", () => {
  assert.deepEqual(parseIp("10.1.2.3"), new Uint8Array([10, 1, 2, 3]));
  assert.deepEqual(parseIp("::ffff:127.0.0.1"), new Uint8Array([127, 0, 0, 1]));
  assert.equal(parseIp("::1")?.length, 16);
  assert.equal(parseIp("2001:db8::1:2")?.[15], 2);
  for (const bad of ["1.2.3", "256.0.0.1", "1:2:3", "::1::2", "x", "1.2.3.4/8"]) {
    assert.equal(parseIp(bad), undefined, bad);
  }
  const loop = parseCidr("127.0.0.0/8")!;
  assert.ok(cidrContains(loop, parseIp("127.9.9.9")!));
  assert.ok(!cidrContains(loop, parseIp("128.0.0.1")!));
  assert.ok(cidrContains(parseCidr("2001:db8::/32")!, parseIp("2001:db8:ffff::1")!));
  assert.ok(cidrContains(parseCidr("10.0.0.0/12")!, parseIp("10.15.255.255")!));
  assert.ok(!cidrContains(parseCidr("10.0.0.0/12")!, parseIp("10.16.0.0")!));
  assert.ok(!cidrContains(loop, parseIp("::1")!));
  assert.equal(parseCidr("10.0.0.0/33"), undefined);
});

Deno.test("admission: per-IP concurrency limit, released on close; exempt ranges", () => {
  const a = new Admission({
    maxPerIp: 2,
    throttleBurst: 0,
    throttleRatePerMinute: 0,
    exempt: [parseCidr("127.0.0.0/8")!],
  });
  assert.equal(a.admit("10.0.0.1"), undefined);
  assert.equal(a.admit("10.0.0.1"), undefined);
  assert.equal(a.admit("10.0.0.1"), "Too many connections from your IP");
  assert.equal(a.admit("10.0.0.2"), undefined);
  a.release("10.0.0.1");
  assert.equal(a.admit("10.0.0.1"), undefined);
  for (let i = 0; i < 50; i++) assert.equal(a.admit("127.0.0.1"), undefined);
  assert.equal(a.openFrom("127.0.0.1"), 50);
});

Deno.test("admission: new-connection throttle per IP recovers with time", () => {
  const a = new Admission({ maxPerIp: 0, throttleBurst: 2, throttleRatePerMinute: 60, exempt: [] });
  assert.equal(a.admit("10.0.0.1", 0), undefined);
  assert.equal(a.admit("10.0.0.1", 0), undefined);
  assert.equal(a.admit("10.0.0.1", 0), "Connecting too fast; try again later");
  assert.equal(a.admit("10.0.0.2", 0), undefined);
  assert.equal(a.admit("10.0.0.1", 1000), undefined);
  a.sweep(60_000);
  assert.equal(a.admit("10.0.0.1", 60_000), undefined);
});
