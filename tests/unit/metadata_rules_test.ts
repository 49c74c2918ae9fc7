/**
 * The draft/metadata-2 rules without sockets: valid keys and values, who may set and read, and
 * state that stays free for targets without metadata.
 */
import assert from "node:assert/strict";
import {
  isValidKey,
  isValidValue,
  mayRead,
  maySet,
  METADATA_CAP_VALUE,
  METADATA_LIMITS,
  withEntry,
} from "../../server/metadata.ts";
import { Channel, OP } from "../../server/state/channel.ts";
import { User } from "../../server/state/user.ts";

Deno.test("metadata rules: keys are a-z 0-9 _ . / - within the length bound", () => {
  for (const key of ["avatar", "display-name", "color", "example.com/key_1"]) {
    assert.ok(isValidKey(key), key);
  }
  for (const key of ["", "$url$", "Avatar", ":x", "a b", "x".repeat(65)]) {
    assert.ok(!isValidKey(key), key);
  }
});

Deno.test("metadata rules: values within max-value-bytes (UTF-8), no control characters", () => {
  assert.ok(isValidValue(""));
  assert.ok(isValidValue("x".repeat(METADATA_LIMITS.maxValueBytes)));
  assert.ok(!isValidValue("x".repeat(METADATA_LIMITS.maxValueBytes + 1)));
  assert.ok(!isValidValue("é".repeat(METADATA_LIMITS.maxValueBytes / 2 + 1)), "bytes, not chars");
  assert.ok(!isValidValue("bell\x07"));
  assert.ok(isValidValue("tab\there"));
  assert.equal(METADATA_CAP_VALUE, "max-keys=20,max-subs=20,max-value-bytes=300");
});

Deno.test("metadata rules: oneself, a channel's ops and opers set; members read a channel", () => {
  const alice = new User(1, "h"), bob = new User(2, "h");
  const channel = new Channel("#c");
  channel.members.set(alice, OP);
  channel.members.set(bob, 0);
  assert.ok(maySet(alice, { user: alice }));
  assert.ok(!maySet(bob, { user: alice }));
  assert.ok(maySet(alice, { channel }));
  assert.ok(!maySet(bob, { channel }));
  bob.setMode("o", true);
  assert.ok(maySet(bob, { user: alice }), "an oper");
  const outsider = new User(3, "h");
  assert.ok(mayRead(outsider, { user: alice }));
  assert.ok(!mayRead(outsider, { channel }));
  assert.ok(mayRead(bob, { channel }));
});

Deno.test("metadata rules: a map only while a key is set", () => {
  let map = withEntry(undefined, "avatar", "https://x/a.png");
  assert.equal(map?.get("avatar"), "https://x/a.png");
  map = withEntry(map, "avatar", undefined);
  assert.equal(map, undefined);
  assert.equal(withEntry(undefined, "never", undefined), undefined);
});
