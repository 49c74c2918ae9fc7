import assert from "node:assert/strict";
import { displayWidth, sanitize, splitBytes, utf8Length, wrapText } from "../../client/text.ts";

Deno.test("sanitize strips IRC formatting and terminal control sequences", () => {
  assert.equal(sanitize("\x02bold\x02 \x0304,12red\x03 \x1ditalic\x0f"), "bold red italic");
  assert.equal(sanitize("\x04ff0000hex\x04 done"), "hex done");
  assert.equal(sanitize("evil\x1b[2Jclear\x07bell\rcr"), "evil[2Jclearbellcr");
  assert.equal(sanitize("tab\there"), "tab here");
  assert.equal(sanitize("c1\u009bcsi"), "c1csi");
  assert.equal(sanitize("plain ünïcödé 日本"), "plain ünïcödé 日本");
});

Deno.test("displayWidth counts wide and zero-width characters", () => {
  assert.equal(displayWidth("abc"), 3);
  assert.equal(displayWidth("日本"), 4);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(displayWidth("🎉"), 2);
});

Deno.test("wrapText breaks at spaces, and inside words only when needed", () => {
  assert.deepEqual(wrapText("short", 10), ["short"]);
  assert.deepEqual(wrapText("the quick brown fox jumps", 10), ["the quick", "brown fox", "jumps"]);
  assert.deepEqual(wrapText("abcdefghijklmnop", 5), ["abcde", "fghij", "klmno", "p"]);
  assert.deepEqual(wrapText("日本語のテキスト", 6), ["日本語", "のテキ", "スト"]);
  assert.deepEqual(wrapText("anything", 0), ["anything"]);
});

Deno.test("splitBytes keeps pieces within the byte limit without cutting characters", () => {
  assert.deepEqual(splitBytes("hello world", 100), ["hello world"]);
  assert.deepEqual(splitBytes("aaaa bbbb cccc", 9), ["aaaa bbbb", "cccc"]);
  const text = "é".repeat(10); // 2 bytes each
  const pieces = splitBytes(text, 5);
  assert.ok(pieces.every((p) => utf8Length(p) <= 5), JSON.stringify(pieces));
  assert.equal(pieces.join(""), text);
  assert.deepEqual(splitBytes("🎉🎉", 3), ["🎉", "🎉"]); // a char over the limit still goes out whole
  const long = Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ");
  const parts = splitBytes(long, 100);
  assert.ok(parts.length > 1 && parts.every((p) => utf8Length(p) <= 100));
  assert.equal(parts.join(" "), long);
});

Deno.test("wrapText keeps leading indentation on the first line", () => {
  assert.deepEqual(wrapText("  /part [#channel] leave it", 16), [
    "  /part",
    "[#channel] leave",
    "it",
  ]);
});

Deno.test("sanitize drops bidirectional overrides, isolates and marks", () => {
  assert.equal(sanitize("a\u202eb\u202ac\u2066d\u2069e\u200ef\u200fg\u061ch"), "abcdefgh");
  assert.equal(sanitize("\u0085nel \u009dosc"), "nel osc");
});
