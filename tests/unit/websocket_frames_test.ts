import assert from "node:assert/strict";
import {
  CLOSE,
  closePayload,
  encodeFrame,
  type FrameEvent,
  FrameReader,
  MAX_MESSAGE_BYTES,
  OPCODE,
} from "../../server/websocket_frames.ts";

const MASK = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** A client frame with FIN and opcode bits as given (`first` byte), masked. */
function frame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const f = encodeFrame(opcode, payload, MASK);
  if (!fin) f[0]! &= 0x7f;
  return f;
}

function readAll(chunks: Uint8Array[], reader = new FrameReader()) {
  const events: FrameEvent[] = [];
  let open = true;
  for (const c of chunks) open = reader.push(c, (e) => events.push(e));
  return { events, open };
}

const errorOf = (events: FrameEvent[]) => {
  const last = events.at(-1);
  return last?.kind === "error" ? [last.code, last.reason] : undefined;
};

Deno.test("websocket frames: the RFC 6455 example frames, masked, whole or byte by byte", () => {
  // RFC 6455 §5.7: a masked text frame "Hello"
  const hello = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  assert.deepEqual(hello, frame(OPCODE.text, bytes("Hello")));
  for (const chunks of [[hello], [...hello].map((b) => new Uint8Array([b]))]) {
    const { events, open } = readAll(chunks);
    assert.equal(open, true);
    assert.equal(events.length, 1);
    const e = events[0]!;
    assert.ok(e.kind === "message" && !e.binary && text(e.data) === "Hello");
  }
  // §5.7: a fragmented message, with a ping between its fragments
  const { events } = readAll([
    frame(OPCODE.text, bytes("Hel"), false),
    frame(OPCODE.ping, bytes("p")),
    frame(OPCODE.continuation, bytes("lo")),
    frame(OPCODE.binary, new Uint8Array(300).fill(7)),
    frame(OPCODE.pong, new Uint8Array()),
  ]);
  assert.deepEqual(events.map((e) => e.kind), ["ping", "message", "message", "pong"]);
  assert.ok(events[1]!.kind === "message" && text(events[1]!.data) === "Hello");
  assert.ok(events[2]!.kind === "message" && events[2]!.binary && events[2]!.data.length === 300);
});

Deno.test("websocket frames: the server's frames are unmasked with 7, 16 and 64-bit lengths", () => {
  assert.deepEqual(
    encodeFrame(OPCODE.text, bytes("Hello")),
    new Uint8Array([0x81, 5, ...bytes("Hello")]),
  );
  const mid = encodeFrame(OPCODE.binary, new Uint8Array(256));
  assert.deepEqual([...mid.subarray(0, 4)], [0x82, 126, 1, 0]);
  assert.equal(mid.length, 4 + 256);
  const big = encodeFrame(OPCODE.binary, new Uint8Array(65536));
  assert.deepEqual([...big.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  assert.deepEqual(
    encodeFrame(OPCODE.close, closePayload(CLOSE.tooBig, "too big")),
    new Uint8Array([0x88, 9, 0x03, 0xf1, ...bytes("too big")]),
  );
});

Deno.test("websocket frames: a message over the cap is refused on its header, with nothing buffered", () => {
  // A 63 MiB text frame: only its 14-byte header arrives.
  const header = new Uint8Array(14);
  header[0] = 0x81;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(63 * 1024 * 1024));
  header.set(MASK, 10);
  const { events, open } = readAll([header]);
  assert.equal(open, false);
  assert.deepEqual(errorOf(events), [CLOSE.tooBig, "Message too big"]);

  // exactly the cap is fine, one byte more is not
  assert.equal(
    readAll([frame(OPCODE.text, new Uint8Array(MAX_MESSAGE_BYTES))]).events[0]!.kind,
    "message",
  );
  const over = readAll([frame(OPCODE.text, new Uint8Array(MAX_MESSAGE_BYTES + 1)).subarray(0, 8)]);
  assert.deepEqual(errorOf(over.events), [CLOSE.tooBig, "Message too big"]);

  // fragments adding up past the cap: refused at the header of the one that crosses it
  const half = MAX_MESSAGE_BYTES / 2;
  const fragments = readAll([
    frame(OPCODE.text, new Uint8Array(half), false),
    frame(OPCODE.continuation, new Uint8Array(half), false),
    frame(OPCODE.continuation, new Uint8Array(1)).subarray(0, 6), // its header only
  ]);
  assert.deepEqual(errorOf(fragments.events), [CLOSE.tooBig, "Message too big"]);
  // a 2^63-ish length is a protocol error, not a huge number
  const absurd = new Uint8Array(header);
  absurd[2] = 0x80;
  assert.deepEqual(errorOf(readAll([absurd]).events), [CLOSE.protocolError, "Bad frame length"]);
});

Deno.test("websocket frames: protocol errors are refused with 1002 and end the reader", () => {
  const unmasked = encodeFrame(OPCODE.text, bytes("hi"));
  const cases: [string, Uint8Array[], string][] = [
    ["unmasked", [unmasked], "Unmasked frame"],
    ["reserved bit", [new Uint8Array([0xc1, 0x80])], "Reserved bits set"],
    ["unknown opcode", [new Uint8Array([0x83, 0x80])], "Unknown opcode"],
    ["long ping", [frame(OPCODE.ping, new Uint8Array(126))], "Control frame too long"],
    ["fragmented ping", [frame(OPCODE.ping, bytes("p"), false)], "Fragmented control frame"],
    [
      "stray continuation",
      [frame(OPCODE.continuation, bytes("x"))],
      "Continuation without a message",
    ],
    [
      "new message inside one",
      [frame(OPCODE.text, bytes("a"), false), frame(OPCODE.text, bytes("b"))],
      "Expected a continuation frame",
    ],
    ["one-byte close", [frame(OPCODE.close, new Uint8Array([3]))], "Bad close frame"],
    ["bad close code", [frame(OPCODE.close, closePayload(1005))], "Bad close code"],
  ];
  for (const [name, chunks, reason] of cases) {
    const { events, open } = readAll([...chunks, frame(OPCODE.text, bytes("after"))]);
    assert.equal(open, false, name);
    assert.deepEqual(errorOf(events), [CLOSE.protocolError, reason], name);
    assert.ok(!events.some((e) => e.kind === "message" && text(e.data) === "after"), name);
  }
  // the header is judged on its first two bytes: a split header is checked once
  const split = frame(OPCODE.text, bytes("hello"));
  const { events } = readAll([split.subarray(0, 2), split.subarray(2, 4), split.subarray(4)]);
  assert.equal(events[0]!.kind, "message");
});

Deno.test("websocket frames: a close frame ends the reader with its code", () => {
  const { events, open } = readAll([
    frame(OPCODE.close, closePayload(CLOSE.goingAway, "bye")),
    frame(OPCODE.text, bytes("ignored")),
  ]);
  assert.equal(open, false);
  assert.deepEqual(events, [{ kind: "close", code: CLOSE.goingAway }]);
  assert.deepEqual(readAll([frame(OPCODE.close, new Uint8Array())]).events, [
    { kind: "close", code: undefined },
  ]);
});

Deno.test("websocket frames: a text message that is not UTF-8 fails with 1007; binary passes", () => {
  const bad = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
  const asText = readAll([frame(OPCODE.text, bad)]);
  assert.equal(asText.open, false);
  assert.deepEqual(errorOf(asText.events), [CLOSE.invalidData, "Text message is not UTF-8"]);
  // a code point split across fragments is still UTF-8 once the message is whole
  const euro = bytes("\u20ac");
  const split = readAll([
    frame(OPCODE.text, euro.subarray(0, 1), false),
    frame(OPCODE.continuation, euro.subarray(1)),
  ]);
  assert.deepEqual(split.events.map((e) => e.kind), ["message"]);
  const asBinary = readAll([frame(OPCODE.binary, bad)]);
  assert.deepEqual(asBinary.events.map((e) => e.kind), ["message"]);
});
