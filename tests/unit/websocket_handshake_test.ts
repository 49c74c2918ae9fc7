import assert from "node:assert/strict";
import { parseRequestHead, type RequestHead } from "../../server/http_request.ts";
import { acceptKey, answerHandshake, wantsWebSocket } from "../../server/websocket_handshake.ts";

function head(fields: Record<string, string>, requestLine = "GET / HTTP/1.1"): RequestHead {
  const text = `${requestLine}\r\n` +
    Object.entries(fields).map(([k, v]) => `${k}: ${v}\r\n`).join("") + "\r\n";
  const result = parseRequestHead(new TextEncoder().encode(text));
  if (result.kind !== "request") throw new Error(`not a request: ${JSON.stringify(result)}`);
  return result.head;
}

const GOOD = {
  Host: "chat.example.org",
  Upgrade: "websocket",
  Connection: "keep-alive, Upgrade",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
  "Sec-WebSocket-Version": "13",
};

Deno.test("websocket handshake: the RFC 6455 accept key", () => {
  assert.equal(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("websocket handshake: a valid request switches, with the client's preferred subprotocol", () => {
  assert.equal(wantsWebSocket(head(GOOD)), true);
  assert.equal(wantsWebSocket(head({ Host: "x" })), false);
  const answer = answerHandshake(
    head({ ...GOOD, "Sec-WebSocket-Protocol": "binary.ircv3.net, text.ircv3.net" }),
    [],
  );
  assert.deepEqual(answer, {
    ok: true,
    mode: "binary",
    fields: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
      "sec-websocket-protocol": "binary.ircv3.net",
    },
  });
  const legacy = answerHandshake(head(GOOD), []);
  assert.ok(
    legacy.ok && legacy.mode === "fallback" && !("sec-websocket-protocol" in legacy.fields),
  );
});

Deno.test("websocket handshake: versions other than 13 get 426 naming 13", () => {
  for (const version of ["8", "12", "14", "13, 8", ""]) {
    const answer = answerHandshake(head({ ...GOOD, "Sec-WebSocket-Version": version }), []);
    assert.ok(!answer.ok, version);
    assert.equal(answer.status, 426, version);
    assert.deepEqual(answer.fields, { "sec-websocket-version": "13" });
  }
  const { "Sec-WebSocket-Version": _, ...without } = GOOD;
  const missing = answerHandshake(head(without), []);
  assert.ok(!missing.ok && missing.status === 426);
});

Deno.test("websocket handshake: bad requests are 400, foreign origins 403", () => {
  const cases: [Record<string, string>, string, number][] = [
    [GOOD, "POST / HTTP/1.1", 400],
    [{ ...GOOD, Connection: "keep-alive" }, "GET / HTTP/1.1", 400],
    [{ ...GOOD, "Sec-WebSocket-Key": "short" }, "GET / HTTP/1.1", 400],
    [{ ...GOOD, "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ" }, "GET / HTTP/1.1", 400],
    [{ ...GOOD, Origin: "https://evil.example" }, "GET / HTTP/1.1", 403],
    [{ ...GOOD, Origin: "null" }, "GET / HTTP/1.1", 403],
  ];
  for (const [fields, line, status] of cases) {
    const answer = answerHandshake(head(fields, line), []);
    assert.equal(!answer.ok && answer.status, status, JSON.stringify([fields, line]));
  }
  const own = answerHandshake(head({ ...GOOD, Origin: "https://chat.example.org" }), []);
  assert.equal(own.ok, true, "the page's own origin");
  const listed = answerHandshake(head({ ...GOOD, Origin: "https://friend.example" }), [
    "https://friend.example",
  ]);
  assert.equal(listed.ok, true, "a listed origin");
});
