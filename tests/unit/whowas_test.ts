import assert from "node:assert/strict";
import { Whowas, WHOWAS_NICKS, WHOWAS_PER_NICK } from "../../server/network/whowas.ts";

const entry = (nick: string, at: number) => ({
  nick,
  username: "~u",
  hostname: "h",
  realname: "r",
  at,
});

Deno.test("whowas: newest first, case-insensitive, bounded per nick and in nicks", () => {
  const w = new Whowas();
  for (let i = 0; i < WHOWAS_PER_NICK + 3; i++) w.remember(entry(i % 2 ? "Alice" : "alice", i));
  const found = w.lookup("ALICE");
  assert.equal(found.length, WHOWAS_PER_NICK);
  assert.equal(found[0]!.at, WHOWAS_PER_NICK + 2);
  for (let i = 0; i < WHOWAS_NICKS; i++) w.remember(entry(`n${i}`, i));
  assert.deepEqual(w.lookup("alice"), [], "the nick given up longest ago went first");
  assert.equal(w.lookup("n0").length, 1);
  w.remember(entry("n0", 5000)); // given up again: now the newest
  w.remember(entry("extra", 5001));
  assert.equal(w.lookup("n0").length, 2);
  assert.deepEqual(w.lookup("n1"), []);
});
