import assert from "node:assert/strict";
import { collectWebirc } from "../../cli/options.ts";
import { Admission } from "../../server/admission.ts";
import {
  gatewaysFrom,
  gatewayWithPassword,
  hashGateways,
  webircAddress,
  webircSecure,
} from "../../server/webirc.ts";

Deno.test("--webirc NAME:PASSWORD@CIDRS: the password runs to the last @; bad forms refused", () => {
  assert.deepEqual(collectWebirc("kiwi:p@ss:w@10.0.0.0/8,2001:db8::/32", []), [
    { name: "kiwi", password: "p@ss:w", ranges: ["10.0.0.0/8", "2001:db8::/32"] },
  ]);
  for (
    const bad of ["kiwi@10.0.0.1", ":pw@10.0.0.1", "kiwi:@10.0.0.1", "kiwi:pw@", "kiwi:pw@nope"]
  ) {
    assert.throws(() => collectWebirc(bad, []), /Expected|not an address range/, bad);
  }
});

Deno.test("WEBIRC gateways: found by the connecting address, told apart by their password", async () => {
  const gateways = await hashGateways([
    { name: "a", password: "one", ranges: ["10.0.0.0/8"] },
    { name: "b", password: "two", ranges: ["10.1.0.0/16", "::1"] },
  ]);
  assert.ok(!JSON.stringify(gateways).includes("one"), "no password kept");
  assert.deepEqual(gatewaysFrom(gateways, "10.1.2.3").map((g) => g.name), ["a", "b"]);
  assert.deepEqual(gatewaysFrom(gateways, "::1").map((g) => g.name), ["b"]);
  assert.deepEqual(gatewaysFrom(gateways, "192.0.2.1"), []);
  const both = gatewaysFrom(gateways, "10.1.2.3");
  assert.equal((await gatewayWithPassword(both, "two"))?.name, "b");
  assert.equal(await gatewayWithPassword(both, "three"), undefined);
  await assert.rejects(hashGateways([{ name: "c", password: "x", ranges: ["nope"] }]));
});

Deno.test("WEBIRC: the address in its usual text; the secure flag only over a trusted hop", () => {
  assert.equal(webircAddress("2001:DB8:0::1"), "2001:db8::1");
  assert.equal(webircAddress("::ffff:192.0.2.7"), "192.0.2.7");
  assert.equal(webircAddress("not-an-ip"), undefined);
  assert.equal(webircSecure("secure", false, "127.0.0.1"), true);
  assert.equal(webircSecure("secure local-port=443", true, "10.0.0.1"), true);
  assert.equal(webircSecure("secure", false, "10.0.0.1"), false);
  assert.equal(webircSecure(undefined, true, "10.0.0.1"), false);
});

Deno.test("Admission.move counts a connection under its real address, or refuses and keeps it", () => {
  const admission = new Admission({
    maxPerIp: 1,
    throttleBurst: 0,
    throttleRatePerMinute: 0,
    exempt: [],
  });
  assert.equal(admission.admit("10.0.0.1"), undefined);
  assert.equal(admission.move("10.0.0.1", "192.0.2.1"), undefined);
  assert.equal(admission.openFrom("10.0.0.1"), 0);
  assert.equal(admission.openFrom("192.0.2.1"), 1);
  assert.equal(admission.admit("10.0.0.1"), undefined);
  assert.equal(admission.move("10.0.0.1", "192.0.2.1"), "Too many connections from your IP");
  assert.equal(admission.openFrom("10.0.0.1"), 1);
});
