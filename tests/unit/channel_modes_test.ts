import assert from "node:assert/strict";
import {
  applyModeChange,
  formatModeChanges,
  parseChannelModes,
} from "../../server/channel_modes.ts";
import { Channel, OP, VOICE } from "../../server/state/channel.ts";
import { User } from "../../server/state/user.ts";

const sink = { send() {}, terminate() {} };

Deno.test("parses flags, parameters by mode type, and unknown letters", () => {
  const p = parseChannelModes("+ntk-l+ovxb", ["key", "alice", "bob"], 6);
  assert.deepEqual(p.changes, [
    { adding: true, mode: "n" },
    { adding: true, mode: "t" },
    { adding: true, mode: "k", param: "key" },
    { adding: false, mode: "l" },
    { adding: true, mode: "o", param: "alice" },
    { adding: true, mode: "v", param: "bob" },
  ]);
  assert.deepEqual(p.unknown, ["x"]);
  assert.equal(p.lists, "b");
});

Deno.test("keeps at most MODES parameter changes", () => {
  const p = parseChannelModes("+ooo", ["a", "b", "c"], 2);
  assert.deepEqual(p.changes.map((c) => c.param), ["a", "b"]);
});

Deno.test("applying reports only real changes", () => {
  const ch = new Channel("#c");
  const u = new User(1, "h", sink);
  ch.members.set(u, 0);
  assert.equal(applyModeChange(ch, { adding: true, mode: "m" }, "x"), true);
  assert.equal(applyModeChange(ch, { adding: true, mode: "m" }, "x"), false);
  assert.equal(applyModeChange(ch, { adding: true, mode: "o", param: "u" }, "x", u), true);
  assert.equal(applyModeChange(ch, { adding: true, mode: "v", param: "u" }, "x", u), true);
  assert.equal(ch.members.get(u), OP | VOICE);
  assert.equal(ch.prefix(u, false), "@");
  assert.equal(ch.prefix(u, true), "@+");
  assert.equal(applyModeChange(ch, { adding: true, mode: "b", param: "*!*@h" }, "x"), true);
  assert.equal(applyModeChange(ch, { adding: true, mode: "b", param: "*!*@h" }, "x"), false);
  assert.ok(ch.isBanned(u));
  assert.equal(applyModeChange(ch, { adding: false, mode: "b", param: "*!*@h" }, "x"), true);
  assert.ok(!ch.isBanned(u));
  assert.equal(applyModeChange(ch, { adding: true, mode: "l", param: "5" }, "x"), true);
  assert.equal(ch.limit, 5);
  assert.deepEqual(ch.modeParams(true), ["+ml", "5"]);
});

Deno.test("formats applied changes as one MODE line", () => {
  assert.deepEqual(
    formatModeChanges([
      { adding: true, mode: "o", param: "a" },
      { adding: true, mode: "v", param: "b" },
      { adding: false, mode: "k", param: "*" },
      { adding: false, mode: "m" },
      { adding: true, mode: "t" },
    ]),
    ["+ov-km+t", "a", "b", "*"],
  );
});
