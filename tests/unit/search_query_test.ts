/** SEARCH attributes (server/search_query.ts) and how a plain-text user reads a result. */
import assert from "node:assert/strict";
import { parseSearch } from "../../server/search_query.ts";
import { searchResultLine } from "../../server/search_lines.ts";

Deno.test("SEARCH attributes: escaped values, times, limit cut to the server's", () => {
  assert.deepEqual(
    parseSearch(
      "text=fish\\sand\\:chips;in=#chan;from=bob;after=2026-01-02T03:04:05.678Z;limit=5000",
      1000,
    ),
    {
      limit: 1000,
      words: ["fish", "and;chips"],
      in: "#chan",
      from: "bob",
      after: Date.parse("2026-01-02T03:04:05.678Z"),
    },
  );
  assert.deepEqual(parseSearch("in=#chan", 50), { limit: 50, in: "#chan" });
  assert.deepEqual(parseSearch("TEXT=hi", 1000), { limit: 100, words: ["hi"] });
});

Deno.test("SEARCH attributes: every problem names its attribute", () => {
  const at = (attributes: string) => {
    const r = parseSearch(attributes, 1000);
    return "problem" in r ? r.attribute : "ok";
  };
  assert.equal(at(""), "*");
  assert.equal(at("nope=1"), "nope");
  assert.equal(at("limit=1e3"), "limit");
  assert.equal(at("limit=9999999999"), "limit");
  assert.equal(at("before=2026-01-02"), "before");
  assert.equal(at("after=2026-01-02T00:00:00Z;before=2026-01-01T00:00:00Z"), "after");
  assert.equal(at("from"), "from");
  assert.equal(at("in=#a;in=#b"), "in");
  assert.equal(at("text=..."), "text");
});

Deno.test("a found message as a plain-text line: date, where, who", () => {
  const base = {
    msgid: "x",
    time: new Date(2026, 0, 2, 3, 4).getTime(),
    command: "PRIVMSG" as const,
  };
  assert.equal(
    searchResultLine({ ...base, target: "#c", source: "al!u@h", text: "hi" }),
    "[2026-01-02 03:04] #c <al> hi",
  );
  assert.equal(
    searchResultLine({ ...base, target: "bob", source: "al!u@h", text: "\x01ACTION waves\x01" }),
    "[2026-01-02 03:04] (to bob) * al waves",
  );
  assert.equal(
    searchResultLine({ ...base, command: "NOTICE", target: "#c", source: "al!u@h", text: "n" }),
    "[2026-01-02 03:04] #c -al- n",
  );
});
