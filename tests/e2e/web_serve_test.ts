/**
 * `chat serve --web-port` as a real process against WebSocket clients announcing huge messages:
 * the connections are closed right after the frame header, and the server's memory does not
 * grow with what they send.
 */

import assert from "node:assert/strict";
import { encodeFrame, OPCODE } from "../../server/websocket_frames.ts";
import { ChatProcess } from "../../scripts/support/process.ts";
import { HAS_PROC, residentBytes } from "../helpers/proc_stats.ts";
import { RawWsClient, WsTestClient } from "../helpers/ws_client.ts";

const WEB_LINE = /serving the web page on http:\/\/\S+:(\d+)\//;
const MASK = new Uint8Array([5, 6, 7, 8]);
const MIB = 1024 * 1024;

/** A masked text frame header announcing `length` bytes. */
function header(length: number): Uint8Array {
  const h = new Uint8Array(14);
  h[0] = 0x80 | OPCODE.text;
  h[1] = 0x80 | 127;
  new DataView(h.buffer).setBigUint64(2, BigInt(length));
  h.set(MASK, 10);
  return h;
}

Deno.test({
  name: "serve --web-port: 12 clients sending 63 MiB messages are closed at the header, at no " +
    "cost in memory",
  ignore: !HAS_PROC,
  async fn() {
    const server = ChatProcess.start(["serve", "--port=0", "--web-port=0"]);
    const clients: RawWsClient[] = [];
    try {
      const port = Number(WEB_LINE.exec(await server.waitFor(WEB_LINE))![1]);
      const pid = server.child.pid;
      // a first user, so that what the process sets up lazily is there before measuring
      const warmup = await WsTestClient.register(`ws://127.0.0.1:${port}/`, "warmup");
      await warmup.close();
      const before = residentBytes(pid);
      const payload = new Uint8Array(MIB).fill(0x61);
      const codes = await Promise.all(Array.from({ length: 12 }, async (_, i) => {
        const { client, status } = await RawWsClient.handshake(port);
        clients.push(client);
        assert.match(status, /^HTTP\/1\.1 101 /);
        await client.write(
          encodeFrame(OPCODE.text, new TextEncoder().encode(`NICK big${i}`), MASK),
        );
        await client.write(header(63 * MIB));
        const closing = client.expectClose();
        // and then the message itself, as long as the server takes it (old servers took it all)
        for (let sent = 0; sent < 8 && await client.write(payload); sent++);
        return (await closing).code;
      }));
      assert.deepEqual(codes, Array(12).fill(1009));
      const grown = residentBytes(pid) - before;
      assert.ok(grown < 16 * MIB, `the server grew by ${(grown / MIB).toFixed(1)} MiB`);
      // and it still serves
      const after = await WsTestClient.register(`ws://127.0.0.1:${port}/`, "after");
      await after.close();
    } finally {
      for (const c of clients) c.close();
      server.kill();
      await server.finish();
    }
  },
});
