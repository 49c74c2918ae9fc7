import assert from "node:assert/strict";
import {
  looksLikeProxyHeader,
  parseProxyHeader,
  V2_MAX_BYTES,
  V2_SIGNATURE,
} from "../../server/proxy_protocol.ts";
import { concatBytes, proxyV1, proxyV2 } from "../helpers/proxy_headers.ts";

const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("PROXY v1: the spec's TCP4 and TCP6 examples give the source address and port", () => {
  const tcp4 = enc("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n");
  assert.deepEqual(parseProxyHeader(tcp4), {
    kind: "header",
    length: 47,
    source: { transport: "tcp", hostname: "192.168.0.1", port: 56324 },
  });
  const tcp6 = enc("PROXY TCP6 2001:DB8::1 2001:db8::11 56324 443\r\n");
  const result = parseProxyHeader(tcp6);
  assert.equal(result.kind, "header");
  assert.equal(result.kind === "header" && result.source?.hostname, "2001:db8::1");
});

Deno.test("PROXY v1: UNKNOWN names no source; whatever follows it is ignored", () => {
  for (const line of ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"]) {
    assert.deepEqual(parseProxyHeader(enc(line)), {
      kind: "header",
      length: line.length,
      source: undefined,
    });
  }
});

Deno.test("PROXY v1: partial lines wait; bad, overlong and non-CRLF lines are invalid", () => {
  assert.equal(parseProxyHeader(enc("PROXY TCP4 1.2.3.4")).kind, "incomplete");
  assert.equal(parseProxyHeader(enc("PRO")).kind, "incomplete");
  for (
    const bad of [
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", // bare LF
      "PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n",
      "PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n",
      "PROXY TCP6 1.2.3.4 ::1 1 2\r\n",
      "PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n",
      "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n",
      "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
      "NICK alice\r\n",
    ]
  ) {
    assert.equal(parseProxyHeader(enc(bad)).kind, "invalid", bad);
  }
  const long = enc("PROXY UNKNOWN " + "x".repeat(120));
  assert.deepEqual(parseProxyHeader(long), { kind: "invalid", reason: "PROXY header too long" });
});

Deno.test("PROXY v2: TCP4 and TCP6 sources, TLVs skipped, the length covering them", () => {
  const v4 = proxyV2("203.0.113.7", 40000, new Uint8Array([0x04, 0, 1, 0]));
  assert.deepEqual(parseProxyHeader(concatBytes(v4, enc("NICK a\r\n"))), {
    kind: "header",
    length: v4.length,
    source: { transport: "tcp", hostname: "203.0.113.7", port: 40000 },
  });
  const v6 = proxyV2("2001:db8:0:0:1:0:0:5", 1);
  const r6 = parseProxyHeader(v6);
  assert.equal(r6.kind === "header" && r6.source?.hostname, "2001:db8::1:0:0:5");
  const mapped = parseProxyHeader(proxyV2("::ffff:198.51.100.2"));
  assert.equal(mapped.kind === "header" && mapped.source?.hostname, "198.51.100.2");
});

Deno.test("PROXY v2: LOCAL and UNSPEC name no source", () => {
  assert.deepEqual(parseProxyHeader(proxyV2(undefined)), {
    kind: "header",
    length: 16,
    source: undefined,
  });
  const unspec = concatBytes(V2_SIGNATURE, new Uint8Array([0x21, 0x00, 0, 0]));
  assert.equal(parseProxyHeader(unspec).kind, "header");
});

Deno.test("PROXY v2: bad version, command or family, short blocks and huge lengths are invalid", () => {
  const head = (b: number[]) => concatBytes(V2_SIGNATURE, new Uint8Array(b));
  assert.equal(parseProxyHeader(head([0x11, 0x11, 0, 12])).kind, "invalid"); // version 1
  assert.equal(parseProxyHeader(head([0x22, 0x11, 0, 0])).kind, "invalid"); // command 2
  assert.equal(parseProxyHeader(head([0x21, 0x41, 0, 0])).kind, "invalid"); // family 4
  assert.equal(parseProxyHeader(head([0x21, 0x11, 0, 4, 1, 2, 3, 4])).kind, "invalid");
  assert.equal(
    parseProxyHeader(head([0x21, 0x21, 0, 12, ...new Array(12).fill(0)])).kind,
    "invalid",
  );
  const huge = head([0x21, 0x11, 0xff, 0xff]);
  assert.deepEqual(parseProxyHeader(huge), { kind: "invalid", reason: "PROXY header too long" });
  assert.ok(V2_MAX_BYTES < 0xffff);
  // the fixed part, then the block, arrive in pieces
  const whole = proxyV2("192.0.2.1");
  for (let n = 1; n < whole.length; n++) {
    assert.equal(parseProxyHeader(whole.subarray(0, n)).kind, "incomplete", `${n} bytes`);
  }
});

Deno.test("an untrusted connection's first bytes are recognised as a PROXY header, IRC never", () => {
  assert.ok(looksLikeProxyHeader(enc(proxyV1("192.0.2.1"))));
  assert.ok(looksLikeProxyHeader(proxyV2("192.0.2.1")));
  assert.ok(!looksLikeProxyHeader(enc("NICK PROXY\r\n")));
  assert.ok(!looksLikeProxyHeader(enc("PROXY")));
  assert.ok(!looksLikeProxyHeader(enc("\r\n\r\n")));
  assert.ok(!looksLikeProxyHeader(enc("hello there\r\n")));
});
