import assert from "node:assert/strict";
import { chooseSubprotocol, splitLines } from "../../server/websocket_protocol.ts";

const text = (lines: Uint8Array[]) => lines.map((l) => new TextDecoder().decode(l));

Deno.test("websocket: the client's order of preference picks the subprotocol", () => {
  assert.deepEqual(chooseSubprotocol("text.ircv3.net"), {
    mode: "text",
    protocol: "text.ircv3.net",
  });
  assert.deepEqual(chooseSubprotocol("binary.ircv3.net, text.ircv3.net"), {
    mode: "binary",
    protocol: "binary.ircv3.net",
  });
  assert.deepEqual(chooseSubprotocol("chat, text.ircv3.net,binary.ircv3.net"), {
    mode: "text",
    protocol: "text.ircv3.net",
  });
  assert.deepEqual(chooseSubprotocol(null), { mode: "fallback", protocol: undefined });
  assert.deepEqual(chooseSubprotocol("xmpp"), { mode: "fallback", protocol: undefined });
});

Deno.test("websocket: output is cut into lines without CR/LF, empty ones dropped", () => {
  const bytes = new TextEncoder().encode(":a PING x\r\n:b PONG y\r\n\r\nbare\nlast");
  assert.deepEqual(text(splitLines(bytes)), [":a PING x", ":b PONG y", "bare", "last"]);
  assert.deepEqual(splitLines(new Uint8Array()), []);
  assert.deepEqual(text(splitLines(new TextEncoder().encode("one\r\n"))), ["one"]);
});
