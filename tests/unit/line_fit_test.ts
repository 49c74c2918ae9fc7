import assert from "node:assert/strict";
import { fitMessage, MAX_LINE_BYTES, truncateUtf8, utf8Length } from "../../protocol/line_fit.ts";
import { msg, serializeMessage } from "../../protocol/message.ts";

const enc = new TextEncoder();
const bytes = (m: ReturnType<typeof msg>) => enc.encode(serializeMessage(m) + "\r\n").length;
const SOURCE = `${"n".repeat(30)}!~${"u".repeat(29)}@127.0.0.1`;

Deno.test("utf8Length counts like TextEncoder, lone surrogates as U+FFFD", () => {
  for (
    const s of ["", "abc", "é", "€", "\u{1F600}", "a\ud800b", "\udc00", "\ufffd", "x\u{10FFFF}"]
  ) {
    assert.equal(utf8Length(s), enc.encode(s).length, JSON.stringify(s));
  }
});

Deno.test("truncateUtf8 cuts at a code point, never inside a surrogate pair", () => {
  assert.equal(truncateUtf8("a\u{1F600}b", 4), "a");
  assert.equal(truncateUtf8("a\u{1F600}b", 5), "a\u{1F600}");
  assert.equal(truncateUtf8("ééé", 5), "éé");
  assert.equal(truncateUtf8("abc", -1), "");
  assert.equal(truncateUtf8("abc", 10), "abc");
});

Deno.test("a relayed PRIVMSG is shortened to 512 bytes with its prefix, at a code point", () => {
  const text = "\u{1F600}".repeat(124) + "ab"; // the client sent 510 bytes
  const fitted = fitMessage(msg("PRIVMSG", ["#t", text], SOURCE));
  const size = bytes(fitted);
  assert.ok(size <= MAX_LINE_BYTES && size > MAX_LINE_BYTES - 4, `${size} bytes`);
  assert.ok(text.startsWith(fitted.params[1]!));
  const short = msg("PRIVMSG", ["#t", "hi"], SOURCE);
  assert.equal(fitMessage(short), short, "a line that fits is the same object");
});

Deno.test("U+FFFD from invalid bytes counts three bytes", () => {
  const fitted = fitMessage(msg("TOPIC", ["#t", "\ufffd".repeat(390)], SOURCE));
  assert.ok(bytes(fitted) <= MAX_LINE_BYTES);
  assert.ok(bytes(fitted) > MAX_LINE_BYTES - 3);
});

Deno.test("a CTCP keeps its closing delimiter; non-text parameters are never cut", () => {
  const action = fitMessage(msg("PRIVMSG", ["#t", `\x01ACTION ${"w".repeat(600)}\x01`], SOURCE));
  assert.equal(bytes(action), MAX_LINE_BYTES);
  assert.ok(action.params[1]!.endsWith("w\x01"));
  const cap = msg("CAP", ["*", "LS", "x ".repeat(400)], "srv");
  assert.equal(fitMessage(cap), cap);
  const mode = msg("MODE", ["#t", "+b", "m".repeat(600)], SOURCE);
  assert.equal(fitMessage(mode), mode);
});

Deno.test("extended JOIN realnames and numerics' text are fitted too", () => {
  const join = fitMessage(msg("JOIN", ["#t", "*", "\ufffd".repeat(150)], SOURCE));
  assert.ok(bytes(join) <= MAX_LINE_BYTES);
  assert.deepEqual(join.params.slice(0, 2), ["#t", "*"]);
  const away = fitMessage(msg("301", ["me", "them", "é".repeat(390)], "chat.local"));
  assert.ok(bytes(away) <= MAX_LINE_BYTES);
});
