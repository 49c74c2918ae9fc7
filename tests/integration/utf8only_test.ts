/**
 * UTF8ONLY (IRCv3 utf8-only): the token is advertised, and a line that is not UTF-8 is refused
 * with `FAIL <command> INVALID_UTF8` and never relayed nor stored, over TCP, over a binary
 * WebSocket, in order with the lines around it; a text WebSocket message that is not UTF-8 closes
 * with 1007 (RFC 6455); a plain-text (netcat) user is told in a "!" line.
 */

import assert from "node:assert/strict";
import { TestClient } from "../../scripts/support/irc_client.ts";
import { encodeFrame, OPCODE } from "../../server/websocket_frames.ts";
import { testServer } from "../helpers/server.ts";
import { RawWsClient } from "../helpers/ws_client.ts";

const enc = new TextEncoder();
const MASK = new Uint8Array([1, 2, 3, 4]);
/** `head`, a Latin-1 "é" (0xE9: not UTF-8), and CRLF when `crlf`. */
const latin1 = (head: string, crlf = true) =>
  new Uint8Array([...enc.encode(head), 0xe9, ...(crlf ? [13, 10] : [])]);

Deno.test("UTF8ONLY: advertised; invalid UTF-8 gets FAIL INVALID_UTF8 and is never relayed", async () => {
  const server = await testServer();
  const port = server.addr.port;
  const sender = await TestClient.connect(port);
  const reader = await TestClient.register(port, "reader", ["draft/chathistory", "batch"]);
  try {
    // before registration, as the spec's USER example
    await sender.sendRaw(latin1("NICK sender\r\nUSER s 0 * :caf"));
    const failUser = await sender.expect("FAIL");
    assert.deepEqual(failUser.params.slice(0, 2), ["USER", "INVALID_UTF8"]);
    await sender.send("USER s 0 * :cafe");
    const isupport = await sender.expect((m) =>
      m.command === "005" && m.params.includes("UTF8ONLY")
    );
    assert.ok(isupport);
    await sender.expect((m) => m.command === "376" || m.command === "422");

    for (const c of [sender, reader]) {
      await c.send("JOIN #u");
      await c.expect((m) => m.command === "366");
    }
    await sender.sendRaw(latin1("PRIVMSG #u :caf"));
    await sender.send("PRIVMSG #u :after");
    const fail = await sender.expect("FAIL");
    assert.deepEqual(fail.params.slice(0, 2), ["PRIVMSG", "INVALID_UTF8"]);
    const relayed = await reader.expect("PRIVMSG");
    assert.deepEqual(relayed.params, ["#u", "after"], "the bad line was not relayed");

    await sender.sendRaw(latin1("TOPIC #u :caf"));
    assert.deepEqual((await sender.expect("FAIL")).params.slice(0, 2), ["TOPIC", "INVALID_UTF8"]);
    await reader.send("TOPIC #u");
    await reader.expect((m) => m.command === "331"); // no topic was set

    await reader.send("CHATHISTORY LATEST #u * 10");
    await reader.expect((m) => m.command === "BATCH" && m.params[0]!.startsWith("-"));
    const stored = reader.lines.filter((l) => l.includes(" PRIVMSG #u :"));
    assert.equal(stored.length, 2, "only 'after', relayed then replayed");
    assert.ok(stored.every((l) => !l.includes("\ufffd")));
  } finally {
    await sender.close();
    await reader.close();
    await server.shutdown();
  }
});

Deno.test("UTF8ONLY: a plain-text user typing Latin-1 is told, and nothing is sent", async () => {
  const server = await testServer({ limits: { plainTextAfterMs: 100 } });
  const port = server.addr.port;
  const irc = await TestClient.register(port, "watcher");
  const nc = await TestClient.connect(port);
  try {
    await irc.send("JOIN #lobby");
    await irc.expect("366");
    await nc.expectLine((l) => l.includes("Pick a nickname:"));
    await nc.send("typist");
    await nc.expectLine((l) => l.includes("* You joined #lobby"));
    await nc.sendRaw(latin1("caf"));
    const told = await nc.expectLine((l) => l.startsWith("! "));
    assert.match(told, /not valid UTF-8 and was not sent/);
    await nc.send("cafe");
    assert.deepEqual((await irc.expect("PRIVMSG")).params, ["#lobby", "cafe"]);
  } finally {
    await irc.close();
    await nc.close();
    await server.shutdown();
  }
});

Deno.test("UTF8ONLY over WebSocket: binary lines get FAIL; a text message closes with 1007", async () => {
  const server = await testServer({ webPort: 0 });
  const port = server.webAddr!.port;
  const watcher = await TestClient.register(server.addr.port, "watcher");
  try {
    await watcher.send("JOIN #w");
    await watcher.expect("366");

    const bin =
      (await RawWsClient.handshake(port, { "Sec-WebSocket-Protocol": "binary.ircv3.net" }))
        .client;
    for (const line of ["NICK wsb", "USER b 0 * :b", "JOIN #w"]) {
      await bin.write(encodeFrame(OPCODE.binary, enc.encode(line), MASK));
    }
    await watcher.expect("JOIN");
    await bin.write(encodeFrame(OPCODE.binary, latin1("PRIVMSG #w :caf", false), MASK));
    await bin.write(encodeFrame(OPCODE.binary, enc.encode("PRIVMSG #w :fine"), MASK));
    let failed = false;
    while (!failed) {
      const f = await bin.readFrame();
      assert.ok(f, "the binary WebSocket is still open");
      failed = / FAIL PRIVMSG INVALID_UTF8 /.test(new TextDecoder().decode(f.payload));
    }
    assert.ok(failed, "FAIL PRIVMSG INVALID_UTF8 over the binary WebSocket");
    assert.deepEqual((await watcher.expect("PRIVMSG")).params, ["#w", "fine"]);
    bin.close();

    const text = (await RawWsClient.handshake(port)).client;
    await text.write(encodeFrame(OPCODE.text, enc.encode("NICK wst"), MASK));
    await text.write(encodeFrame(OPCODE.text, latin1("USER t 0 * :caf", false), MASK));
    assert.equal((await text.expectClose()).code, 1007);
    text.close();
  } finally {
    await watcher.close();
    await server.shutdown();
  }
});
