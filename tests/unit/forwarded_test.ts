import assert from "node:assert/strict";
import { forwardedClient, forwardedEntries } from "../../server/forwarded.ts";
import type { RequestHead } from "../../server/http_request.ts";

const head = (...fields: [string, string][]): RequestHead => ({
  method: "GET",
  target: "/",
  version: "HTTP/1.1",
  fields,
});

Deno.test("Forwarded: RFC 7239's examples give the for= addresses, left to right", () => {
  assert.deepEqual(
    forwardedEntries(head(["forwarded", 'for="_gazonk"'])),
    [undefined],
  );
  assert.deepEqual(
    forwardedEntries(head(["forwarded", 'For="[2001:db8:cafe::17]:4711"'])),
    ["2001:db8:cafe::17"],
  );
  assert.deepEqual(
    forwardedEntries(head(["forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"])),
    ["192.0.2.60"],
  );
  assert.deepEqual(
    forwardedEntries(
      head(["forwarded", "for=192.0.2.43, for=198.51.100.17"], ["forwarded", "for=unknown"]),
    ),
    ["192.0.2.43", "198.51.100.17", undefined],
  );
  assert.deepEqual(
    forwardedEntries(head(["forwarded", 'by=1.2.3.4;for="192.0.2.1:80", for="x,y"'])),
    ["192.0.2.1", undefined],
  );
});

Deno.test("X-Forwarded-For: addresses with or without ports; it wins over Forwarded", () => {
  assert.deepEqual(
    forwardedEntries(
      head(
        ["x-forwarded-for", "203.0.113.5, 2001:DB8::1,[2001:db8::2]:443"],
        ["x-forwarded-for", "192.0.2.9:1234, ::ffff:192.0.2.10, evil"],
        ["forwarded", "for=192.0.2.99"],
      ),
    ),
    ["203.0.113.5", "2001:db8::1", "2001:db8::2", "192.0.2.9", "192.0.2.10", undefined],
  );
  assert.deepEqual(forwardedEntries(head()), []);
});

Deno.test("the client is the first untrusted address from the right; forged entries are never reached", () => {
  const trusted = (ip: string) => ip === "127.0.0.1" || ip.startsWith("10.");
  // the proxy appended the client it saw; the client's own XFF is left of it
  assert.equal(forwardedClient("127.0.0.1", ["6.6.6.6", "198.51.100.8"], trusted), "198.51.100.8");
  // two trusted proxies in a row
  assert.equal(forwardedClient("127.0.0.1", ["198.51.100.8", "10.0.0.2"], trusted), "198.51.100.8");
  // nothing forwarded: the proxy itself
  assert.equal(forwardedClient("127.0.0.1", [], trusted), "127.0.0.1");
  // an entry that is no address stops the walk at the last trusted hop
  assert.equal(forwardedClient("127.0.0.1", ["198.51.100.8", undefined], trusted), "127.0.0.1");
  // an untrusted peer's fields are never read
  assert.equal(forwardedClient("192.0.2.1", ["198.51.100.8"], trusted), "192.0.2.1");
});
