import assert from "node:assert/strict";
import { complete, type CompletionSource } from "../../client/complete.ts";

const src: CompletionSource = {
  nicks: ["alice", "Albert", "bob", "me"],
  channels: ["#lobby", "#lounge", "#dev"],
  commands: ["/join", "/quit", "/query", "/msg"],
  chanTypes: "#&",
  ownNick: "me",
};

Deno.test("completion: nick at line start gets ': ', elsewhere a space", () => {
  assert.deepEqual(complete("ali", src), [["alice: "], "ali"]);
  assert.deepEqual(complete("hi ali", src), [["alice "], "ali"]);
  assert.deepEqual(complete("al", src), [["alice: ", "Albert: "], "al"]);
  assert.deepEqual(complete("AL", src)[0].length, 2, "case-insensitive");
  assert.deepEqual(complete("/msg bo", src), [["bob "], "bo"]);
});

Deno.test("completion: commands, channels, never our own nick", () => {
  assert.deepEqual(complete("/q", src), [["/quit ", "/query "], "/q"]);
  assert.deepEqual(complete("/J", src), [["/join "], "/J"]);
  assert.deepEqual(complete("/join #lo", src), [["#lobby ", "#lounge "], "#lo"]);
  assert.deepEqual(complete("m", src), [[], "m"]);
  assert.deepEqual(complete("hello ", src), [[], ""]);
});
