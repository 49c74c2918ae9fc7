import assert from "node:assert/strict";
import {
  CLIENT_LINE_LIMITS,
  decodeStrict,
  isUtf8,
  LineFramer,
  SERVER_LINE_LIMITS,
} from "../../protocol/lines.ts";

const enc = new TextEncoder();

function collect() {
  const got: string[] = [];
  let tooLong = 0;
  return {
    got,
    get tooLong() {
      return tooLong;
    },
    handler: { line: (l: string) => got.push(l), tooLong: () => tooLong++ },
  };
}

Deno.test("splits CRLF and bare LF lines, skipping empty ones", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  f.push(enc.encode("A\r\nB\n\r\n\nC"), c.handler);
  assert.deepEqual(c.got, ["A", "B"]);
  f.push(enc.encode("D\r\n"), c.handler);
  assert.deepEqual(c.got, ["A", "B", "CD"]);
  assert.equal(f.pendingBytes, 0);
});

Deno.test("reassembles a line delivered one byte at a time, even split inside UTF-8", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  for (const b of enc.encode("PRIVMSG #a :héllo wörld\r\n")) f.push(new Uint8Array([b]), c.handler);
  assert.deepEqual(c.got, ["PRIVMSG #a :héllo wörld"]);
});

Deno.test("the caller may reuse its buffer after push", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  const buf = enc.encode("PART");
  f.push(buf, c.handler);
  buf.fill(0x21);
  f.push(enc.encode(" #x\n"), c.handler);
  assert.deepEqual(c.got, ["PART #x"]);
});

Deno.test("510 bytes pass, 511 are too long and dropped whole", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  f.push(enc.encode("x".repeat(510) + "\r\n" + "y".repeat(511) + "\r\nNEXT\r\n"), c.handler);
  assert.deepEqual(c.got.map((l) => l.length), [510, 4]);
  assert.equal(c.tooLong, 1);
});

Deno.test("tags may add up to 4096 bytes, but not more", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  const tags = "@" + "a".repeat(4094) + " "; // 4096 bytes with @ and space
  f.push(enc.encode(tags + "PRIVMSG #a :" + "z".repeat(498) + "\n"), c.handler);
  assert.equal(c.got.length, 1);
  f.push(enc.encode("@" + "a".repeat(4095) + " PING x\n"), c.handler);
  assert.equal(c.tooLong, 1);
});

Deno.test("an endless line is reported once and memory stays bounded", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  const chunk = enc.encode("z".repeat(4096));
  for (let i = 0; i < 100; i++) f.push(chunk, c.handler);
  assert.equal(c.tooLong, 1);
  assert.equal(f.pendingBytes, 0);
  f.push(enc.encode("tail\nOK\n"), c.handler);
  assert.deepEqual(c.got, ["OK"]);
});

Deno.test("invalid UTF-8 is replaced, never thrown", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  f.push(new Uint8Array([0x50, 0xff, 0xfe, 0xc3, 0x0a]), c.handler);
  assert.deepEqual(c.got, ["P\ufffd\ufffd\ufffd"]);
});

Deno.test("a CR or NUL inside a line becomes U+FFFD: the line stays one line", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const c = collect();
  f.push(enc.encode("@+x\rQUIT;+y=1 PRIVMSG #t :t1\r\nPRIVMSG #t :a\0b\r\r\n\0\n"), c.handler);
  assert.deepEqual(c.got, [
    "@+x\ufffdQUIT;+y=1 PRIVMSG #t :t1",
    "PRIVMSG #t :a\ufffdb\ufffd",
    "\ufffd",
  ]);
});

Deno.test("a client accepts what real servers send: 8 KiB bodies, 8191 bytes of tags", () => {
  const f = new LineFramer(SERVER_LINE_LIMITS);
  const c = collect();
  const tags = "@" + "a".repeat(8189) + " ";
  const long = ":a!b@c PRIVMSG #x :" + "y".repeat(600);
  f.push(enc.encode(`${long}\r\n${tags}PING ${"z".repeat(8187)}\r\n`), c.handler);
  assert.deepEqual(c.got.map((l) => l.length), [long.length, 8191 + 5 + 8187]);
  f.push(enc.encode(`PING ${"z".repeat(8188)}\r\nPING ok\r\n`), c.handler);
  assert.equal(c.tooLong, 1);
  assert.equal(c.got.at(-1), "PING ok");
});

Deno.test("a handler that refuses invalid UTF-8 gets it apart, replaced; valid lines as before", () => {
  const f = new LineFramer(CLIENT_LINE_LIMITS);
  const got: string[] = [];
  const invalid: string[] = [];
  const handler = {
    line: (l: string) => got.push(l),
    tooLong: () => {},
    invalidUtf8: (l: string) => invalid.push(l),
  };
  f.push(new Uint8Array([0x50, 0xff, 0x0a, ...enc.encode("caf\u00e9 \ufffd a\0b\n")]), handler);
  assert.deepEqual(invalid, ["P\ufffd"]);
  assert.deepEqual(got, ["caf\u00e9 \ufffd a\ufffdb"], "U+FFFD typed as UTF-8 is valid");
});

Deno.test("isUtf8 and decodeStrict tell UTF-8 from what is not", () => {
  assert.equal(isUtf8(enc.encode("h\u00e9 \u{1F600}")), true);
  for (const bad of [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff]]) {
    assert.equal(isUtf8(new Uint8Array(bad)), false, JSON.stringify(bad));
    assert.equal(decodeStrict(new Uint8Array(bad)), undefined);
  }
  assert.equal(decodeStrict(enc.encode("a\rb")), "a\ufffdb");
});
