import assert from "node:assert/strict";
import {
  field,
  fieldTokens,
  keepsAlive,
  MAX_HEAD_BYTES,
  MAX_HEADER_FIELDS,
  parseRequestHead,
  serializeResponse,
  targetPath,
} from "../../server/http_request.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const parse = (s: string) => parseRequestHead(bytes(s));

Deno.test("http request: a complete head is parsed, with its length; names are lower-cased", () => {
  const text = "GET /app.js?x=1 HTTP/1.1\r\nHost: chat.example.org\r\nConnection: keep-alive, " +
    'Upgrade\r\nIf-None-Match:  "abc"  \r\n\r\nGET / HTTP/1.1\r\n';
  const result = parse(text);
  assert.equal(result.kind, "request");
  if (result.kind !== "request") return;
  assert.equal(result.length, text.indexOf("\r\n\r\n") + 4, "the next request is left alone");
  const { head } = result;
  assert.equal(head.method, "GET");
  assert.equal(head.target, "/app.js?x=1");
  assert.equal(head.version, "HTTP/1.1");
  assert.equal(field(head, "host"), "chat.example.org");
  assert.equal(field(head, "if-none-match"), '"abc"', "values are trimmed");
  assert.deepEqual(fieldTokens(head, "connection"), ["keep-alive", "upgrade"]);
  assert.equal(keepsAlive(head), true);
  assert.equal(targetPath(head.target), "/app.js");
});

Deno.test("http request: bare LF line ends and leading empty lines are accepted", () => {
  const result = parse("\r\n\nGET / HTTP/1.0\nUser-Agent: x\n\n");
  assert.equal(result.kind, "request");
  if (result.kind !== "request") return;
  assert.equal(result.head.version, "HTTP/1.0");
  assert.equal(keepsAlive(result.head), false, "HTTP/1.0 closes unless asked");
});

Deno.test("http request: incomplete heads wait; past the size limit they are 431", () => {
  assert.deepEqual(parse(""), { kind: "incomplete" });
  assert.deepEqual(parse("GET / HTTP/1.1\r\nHost: x\r\n"), { kind: "incomplete" });
  const big = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + "a".repeat(MAX_HEAD_BYTES);
  const result = parse(big);
  assert.equal(result.kind === "invalid" && result.status, 431);
  // complete but too long is refused just the same
  assert.equal(parse(big + "\r\n\r\n").kind === "invalid", true);
  const many = "GET / HTTP/1.1\r\nHost: x\r\n" +
    Array.from({ length: MAX_HEADER_FIELDS }, (_, i) => `X-${i}: y\r\n`).join("") + "\r\n";
  const fields = parse(many);
  assert.equal(fields.kind === "invalid" && fields.status, 431);
  // an endless run of blank lines is not a way around the limit
  const blank = parse("\r\n".repeat(MAX_HEAD_BYTES));
  assert.equal(blank.kind, "invalid");
});

Deno.test("http request: malformed heads are 400, unknown versions 505", () => {
  const cases: [string, number][] = [
    ["GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", 400],
    ["G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],
    ["GET / FTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\n\r\n", 400], // no Host
    ["GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400], // space before the colon
    ["GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 400],
    ["GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n", 400],
  ];
  for (const [text, status] of cases) {
    const result = parse(text);
    assert.equal(result.kind === "invalid" && result.status, status, JSON.stringify(text));
  }
});

Deno.test("http request: request targets give a path, or nothing for other forms", () => {
  assert.equal(targetPath("/"), "/");
  assert.equal(targetPath("/a/../b?q"), "/b");
  assert.equal(targetPath("http://chat.example.org/index.html"), "/index.html");
  assert.equal(targetPath("*"), undefined);
  assert.equal(targetPath("chat.example.org:443"), undefined);
});

Deno.test("http response: status line, fields, length and body", () => {
  const text = new TextDecoder().decode(
    serializeResponse(404, { "content-type": "text/plain" }, bytes("gone\n")),
  );
  assert.equal(
    text,
    "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 5\r\n\r\ngone\n",
  );
  const head = new TextDecoder().decode(serializeResponse(200, {}, null, 1234));
  assert.equal(head, "HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n", "HEAD: length, no body");
  assert.equal(
    new TextDecoder().decode(serializeResponse(101, { upgrade: "websocket" })),
    "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n",
  );
});
