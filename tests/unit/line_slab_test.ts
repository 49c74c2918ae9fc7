import assert from "node:assert/strict";
import { LineSlab, SLAB_BYTES } from "../../server/line_slab.ts";

const dec = new TextDecoder();

Deno.test("line slab: lines get CRLF and lie end to end in one buffer", () => {
  const slab = new LineSlab();
  const a = slab.encode("PRIVMSG #a :one");
  const b = slab.encode("PRIVMSG #a :two");
  assert.equal(dec.decode(a), "PRIVMSG #a :one\r\n");
  assert.equal(dec.decode(b), "PRIVMSG #a :two\r\n");
  assert.equal(a.buffer, b.buffer);
  assert.equal(a.byteOffset + a.byteLength, b.byteOffset);
});

Deno.test("line slab: UTF-8 text is encoded whole, and bytes handed out never change", () => {
  const slab = new LineSlab();
  const first = slab.encode("PRIVMSG #a :héllo ✓ 🙂");
  const copy = first.slice();
  for (let i = 0; i < 2000; i++) slab.encode(`PRIVMSG #a :${"x".repeat(i % 300)}`);
  assert.equal(dec.decode(first), "PRIVMSG #a :héllo ✓ 🙂\r\n");
  assert.deepEqual(first, copy);
});

Deno.test("line slab: a full slab is replaced, and a huge line gets a buffer of its own", () => {
  const slab = new LineSlab();
  const line = "x".repeat(1000);
  const buffers = new Set<ArrayBufferLike>();
  for (let i = 0; i < 100; i++) buffers.add(slab.encode(line).buffer);
  assert.ok(buffers.size >= Math.ceil((100 * 1002) / SLAB_BYTES));
  const huge = slab.encode("y".repeat(SLAB_BYTES));
  assert.equal(huge.byteLength, SLAB_BYTES + 2);
  assert.ok(!buffers.has(huge.buffer));
});
