import assert from "node:assert/strict";
import { isChannelName, isValidChannelName, matchMask, nickProblem } from "../../protocol/names.ts";

Deno.test("nicknames follow RFC 2812 and NICKLEN", () => {
  for (const ok of ["alice", "A", "[bot]", "x-1", "_under", "`tick", "a|b", "n{}^"]) {
    assert.equal(nickProblem(ok, 30), undefined, ok);
  }
  assert.equal(nickProblem("", 30), "empty");
  assert.equal(nickProblem("a".repeat(31), 30), "too-long");
  for (
    const bad of ["1abc", "-x", "a b", "a,b", "a\0b", "a\rb", "#chan", "é", "a!b", "a@b", ":a"]
  ) {
    assert.equal(nickProblem(bad, 30), "invalid", JSON.stringify(bad));
  }
});

Deno.test("channel names need # and no space, comma, BEL or controls", () => {
  assert.ok(isChannelName("#a"));
  assert.ok(!isChannelName("a"));
  assert.ok(isValidChannelName("#lobby", 64));
  assert.ok(isValidChannelName("#ümlaut", 64));
  for (
    const bad of ["#", "lobby", "#a b", "#a,b", "#a\x07", "#a\0", "#a\r", "#" + "x".repeat(64)]
  ) {
    assert.ok(!isValidChannelName(bad, 64), JSON.stringify(bad));
  }
});

Deno.test("masks match with * and ?", () => {
  assert.ok(matchMask("*!*@host", "nick!user@host"));
  assert.ok(matchMask("n?ck!*", "nick!u@h"));
  assert.ok(matchMask("*", ""));
  assert.ok(matchMask("a*b*c", "aXXbYYc"));
  assert.ok(!matchMask("a*b*c", "aXXbYY"));
  assert.ok(!matchMask("*!*@other", "nick!user@host"));
});
