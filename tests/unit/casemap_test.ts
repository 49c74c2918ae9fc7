import assert from "node:assert/strict";
import { foldCase, sameName } from "../../protocol/casemap.ts";

Deno.test("rfc1459 folds letters and []\\^ to {}|~", () => {
  assert.equal(foldCase("Nick[Away]\\^"), "nick{away}|~");
  assert.equal(foldCase("already{folded}"), "already{folded}");
  assert.equal(foldCase("ÄÖ"), "ÄÖ"); // only ASCII is folded
});

Deno.test("sameName compares under the case mapping", () => {
  assert.ok(sameName("Alice", "ALICE"));
  assert.ok(sameName("[bot]", "{BOT}"));
  assert.ok(!sameName("alice", "alice_"));
});
