/**
 * The web port against a raw-socket WebSocket client sending what browsers never do: messages
 * announced past the cap, fragments that add up past it, unmasked frames, oversized control
 * frames, versions other than 13. Each is refused as RFC 6455 says, at once, and the server goes
 * on serving.
 */

import assert from "node:assert/strict";
import { closePayload, encodeFrame, OPCODE } from "../../server/websocket_frames.ts";
import { testServer } from "../helpers/server.ts";
import { waitUntil } from "../helpers/wait.ts";
import { RawWsClient, WsTestClient } from "../helpers/ws_client.ts";

const MASK = new Uint8Array([1, 2, 3, 4]);
const text = (s: string) => encodeFrame(OPCODE.text, new TextEncoder().encode(s), MASK);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** The 14-byte header of a masked text frame announcing `length` bytes. */
function bigHeader(length: number, fin = true): Uint8Array {
  const header = new Uint8Array(14);
  header[0] = (fin ? 0x80 : 0) | OPCODE.text;
  header[1] = 0x80 | 127;
  new DataView(header.buffer).setBigUint64(2, BigInt(length));
  header.set(MASK, 10);
  return header;
}

async function upgraded(port: number): Promise<RawWsClient> {
  const { client, status } = await RawWsClient.handshake(port);
  assert.match(status, /^HTTP\/1\.1 101 /);
  return client;
}

Deno.test("WebSocket: a message announced past 8 KiB is closed with 1009 right after its header", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  try {
    const c = await upgraded(port);
    await c.write(text("NICK big"));
    // 63 MiB announced; not one byte of it is sent: the header alone must end the connection.
    await c.write(bigHeader(63 * 1024 * 1024));
    const started = Date.now();
    const { code } = await c.expectClose();
    assert.equal(code, 1009);
    assert.ok(Date.now() - started < 1000, `closed ${Date.now() - started} ms after the header`);
    c.close();
    await waitUntil(() => server.connectionCount === 0, "the session is gone");

    // a fragmented message is held to the same cap
    const f = await upgraded(port);
    const piece = new Uint8Array(3000).fill(0x61);
    await f.write(encodeFrame(OPCODE.text, piece, MASK).map((b, i) => i === 0 ? b & 0x7f : b));
    await f.write(
      encodeFrame(OPCODE.continuation, piece, MASK).map((b, i) => i === 0 ? b & 0x7f : b),
    );
    await f.write(encodeFrame(OPCODE.continuation, piece, MASK).subarray(0, 8)); // header only
    assert.equal((await f.expectClose()).code, 1009);
    f.close();

    // and the server still serves
    const fine = await WsTestClient.register(`ws://127.0.0.1:${port}/`, "fine");
    await fine.close();
  } finally {
    await server.shutdown();
  }
});

Deno.test("WebSocket: unmasked frames and bad control frames are refused with 1002", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  try {
    const cases: [string, Uint8Array][] = [
      ["unmasked", encodeFrame(OPCODE.text, new TextEncoder().encode("NICK bare"))],
      ["ping over 125 bytes", encodeFrame(OPCODE.ping, new Uint8Array(126), MASK)],
      [
        "fragmented ping",
        encodeFrame(OPCODE.ping, new Uint8Array(1), MASK).map((b, i) => i === 0 ? b & 0x7f : b),
      ],
      ["reserved bits", new Uint8Array([0xc1, 0x80, 1, 2, 3, 4])],
    ];
    for (const [what, frame] of cases) {
      const c = await upgraded(port);
      await c.write(frame);
      assert.equal((await c.expectClose()).code, 1002, what);
      c.close();
    }
    await waitUntil(() => server.connectionCount === 0, "no session is left");
  } finally {
    await server.shutdown();
  }
});

Deno.test("WebSocket: pings get pongs, fragments make one line, a close is answered", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  try {
    const c = await upgraded(port);
    await c.write(encodeFrame(OPCODE.ping, new TextEncoder().encode("are you there"), MASK));
    const pong = await c.readFrame();
    assert.equal(pong?.opcode, OPCODE.pong);
    assert.equal(decode(pong!.payload), "are you there");
    // "NICK frag" in two fragments with a ping between them
    const first = encodeFrame(OPCODE.text, new TextEncoder().encode("NICK fr"), MASK);
    first[0]! &= 0x7f;
    await c.write(first);
    await c.write(encodeFrame(OPCODE.ping, new Uint8Array(0), MASK));
    await c.write(encodeFrame(OPCODE.continuation, new TextEncoder().encode("ag"), MASK));
    await c.write(text("USER frag 0 * :fragments"));
    const lines: string[] = [];
    for (;;) {
      const frame = await c.readFrame();
      assert.ok(frame, "still open");
      if (frame.opcode === OPCODE.text) lines.push(decode(frame.payload));
      if (lines.some((l) => / 001 frag /.test(l))) break;
    }
    await c.write(encodeFrame(OPCODE.close, closePayload(1000), MASK));
    const { code } = await c.expectClose();
    assert.equal(code, 1000);
    c.close();
    await waitUntil(() => server.connectionCount === 0, "the session is gone");
  } finally {
    await server.shutdown();
  }
});

Deno.test("WebSocket: a Sec-WebSocket-Version other than 13 gets 426 naming 13", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  try {
    for (const version of ["8", "12", "14"]) {
      const { client, status, fields } = await RawWsClient.handshake(port, {
        "Sec-WebSocket-Version": version,
      });
      assert.match(status, /^HTTP\/1\.1 426 /, version);
      assert.equal(fields["sec-websocket-version"], "13", version);
      client.close();
    }
    assert.equal(server.connectionCount, 0, "no session was started");
  } finally {
    await server.shutdown();
  }
});
