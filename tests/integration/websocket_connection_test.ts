/**
 * `WebSocketConnection` over a real loopback socket pair, the test speaking as the client:
 * lines out as frames of the negotiated type, frames in as lines, the sendq, and the goodbye.
 */

import assert from "node:assert/strict";
import type { OutboxEvents } from "../../server/outbox.ts";
import { WebSocketConnection } from "../../server/websocket_connection.ts";
import { closePayload, encodeFrame, OPCODE } from "../../server/websocket_frames.ts";
import type { WebSocketMode } from "../../server/websocket_protocol.ts";
import { waitUntil } from "../helpers/wait.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const MASK = new Uint8Array([9, 8, 7, 6]);

/** A connected pair: the server's end wrapped in a WebSocketConnection, and the client's end. */
async function pair(mode: WebSocketMode, sendq = 64 * 1024, beforeWrite?: () => boolean) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  listener.close();
  const events = { overflows: 0, errors: 0 };
  const handlers: OutboxEvents = {
    overflow: () => events.overflows++,
    error: () => events.errors++,
    beforeWrite,
  };
  const conn = new WebSocketConnection(server, { mode, secure: false, sendq }, handlers);
  const lines: string[] = [];
  let tooLong = 0;
  const reading = conn.readLines({ line: (l) => lines.push(l), tooLong: () => tooLong++ });
  let received = new Uint8Array(0);
  /** Reads frames from the client's end until `count` have arrived. */
  const frames = async (count: number) => {
    const out: { opcode: number; text: string; raw: Uint8Array }[] = [];
    const buf = new Uint8Array(65536);
    for (;;) {
      while (received.length >= 2) {
        const code = received[1]! & 0x7f;
        const at = code === 126 ? 4 : 2;
        const length = code === 126 ? (received[2]! << 8) | received[3]! : code;
        if (received.length < at + length) break;
        const payload = received.slice(at, at + length);
        out.push({
          opcode: received[0]! & 0x0f,
          text: new TextDecoder().decode(payload),
          raw: payload,
        });
        received = received.subarray(at + length);
      }
      if (out.length >= count) return out;
      const n = await client.read(buf);
      if (n === null) return out;
      const next = new Uint8Array(received.length + n);
      next.set(received);
      next.set(buf.subarray(0, n), received.length);
      received = next;
    }
  };
  const done = () => {
    try {
      client.close();
    } catch { /* closed */ }
  };
  return { conn, client, events, lines, tooLong: () => tooLong, reading, frames, done };
}

Deno.test("websocket connection: one text frame per line, invalid UTF-8 replaced", async () => {
  const p = await pair("text");
  try {
    assert.equal(p.conn.peer.startsWith("127.0.0.1:"), true);
    p.conn.send(new Uint8Array([...bytes(":s 001 a :hi\r\n:s NOTICE a :bad "), 0xff, 13, 10]));
    const got = await p.frames(2);
    assert.deepEqual(got.map((f) => [f.opcode, f.text]), [
      [OPCODE.text, ":s 001 a :hi"],
      [OPCODE.text, ":s NOTICE a :bad \uFFFD"],
    ]);
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: binary frames carry the bytes as they are", async () => {
  const p = await pair("binary");
  try {
    const shared = new Uint8Array([...bytes("PING :x"), 0xff, 13, 10]);
    p.conn.send(shared);
    shared.fill(0); // the caller's buffer may be reused at once
    const [frame] = await p.frames(1);
    assert.ok(frame);
    assert.equal(frame.opcode, OPCODE.binary);
    assert.deepEqual(frame.raw, new Uint8Array([...bytes("PING :x"), 0xff]));
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: messages in are lines; over-long ones are reported", async () => {
  const p = await pair("text");
  try {
    const text = (s: string) => encodeFrame(OPCODE.text, bytes(s), MASK);
    await p.client.write(text("NICK a\r\n"));
    await p.client.write(encodeFrame(OPCODE.binary, bytes("USER a 0 * :b"), MASK));
    await p.client.write(text(`PRIVMSG x :${"y".repeat(600)}`));
    await p.client.write(text(`@${"t".repeat(5000)} PING x`));
    await p.client.write(text("PING :last"));
    await waitUntil(() => p.lines.length === 3, "three lines arrived");
    assert.deepEqual(p.lines, ["NICK a", "USER a 0 * :b", "PING :last"]);
    assert.equal(p.tooLong(), 2);
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: a CR or NUL inside a line becomes U+FFFD, as on TCP", async () => {
  const p = await pair("text");
  try {
    await p.client.write(
      encodeFrame(OPCODE.text, bytes("@+x\rQUIT;+y=1 PRIVMSG #t :a\0b\r\n"), MASK),
    );
    await waitUntil(() => p.lines.length === 1, "the line arrived");
    assert.deepEqual(p.lines, ["@+x\ufffdQUIT;+y=1 PRIVMSG #t :a\ufffdb"]);
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: beforeWrite holds lines until resume, whose line goes first", async () => {
  let allow = false;
  const p = await pair("text", 64 * 1024, () => allow);
  try {
    p.conn.send(bytes(":s PRIVMSG #c :echo\r\n"));
    p.conn.send(bytes(":s PRIVMSG #c :more\r\n"));
    await new Promise((r) => setTimeout(r, 0));
    assert.equal(p.conn.drained(0) !== undefined, true, "held, not sent");
    allow = true;
    p.conn.resume(bytes(":s NOTICE a :first\r\n"));
    const got = await p.frames(3);
    assert.deepEqual(got.map((f) => f.text), [
      ":s NOTICE a :first",
      ":s PRIVMSG #c :echo",
      ":s PRIVMSG #c :more",
    ]);
    await p.conn.drained(0);
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: past the sendq the client is cut off, once", async () => {
  const p = await pair("text", 1024);
  try {
    p.conn.send(bytes("x".repeat(600) + "\r\n"));
    p.conn.send(bytes("y".repeat(600) + "\r\n"));
    p.conn.send(bytes("more\r\n"));
    assert.equal(p.events.overflows, 1);
  } finally {
    p.done();
    await p.conn.close(100);
  }
});

Deno.test("websocket connection: finish sends the last line and a close frame; the end follows", async () => {
  const p = await pair("text");
  try {
    p.conn.finish(bytes("ERROR :Closing Link: 127.0.0.1 (Bye)\r\n"));
    p.conn.send(bytes("not sent\r\n"));
    const closing = p.conn.close(1000);
    const got = await p.frames(3);
    assert.deepEqual(got.map((f) => f.opcode), [OPCODE.text, OPCODE.close]);
    assert.equal(got[0]!.text, "ERROR :Closing Link: 127.0.0.1 (Bye)");
    assert.deepEqual(got[1]!.raw, closePayload(1000));
    await closing;
    assert.equal(await p.reading, "Connection closed");
  } finally {
    p.done();
  }
});
