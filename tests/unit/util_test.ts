import assert from "node:assert/strict";
import { backoffDelay } from "../../util/backoff.ts";
import { concat } from "../../util/bytes.ts";
import { errorMessage } from "../../util/error_message.ts";
import { firstField } from "../../util/text.ts";
import { TokenBucket } from "../../util/token_bucket.ts";

Deno.test("token bucket: delay tells the wait without taking a token", () => {
  const b = new TokenBucket(1, 1, 0);
  assert.equal(b.delay(0), 0);
  assert.equal(b.delay(0), 0, "still there");
  assert.equal(b.take(0), 0);
  assert.equal(b.delay(250), 750);
  assert.equal(b.take(250), 750, "nothing taken while waiting");
  assert.equal(b.take(1000), 0);
});

Deno.test("backoff: jitter both ways stays within the bounds, around the base", () => {
  const policy = { initialMs: 100, maxMs: 5000, jitter: 0.2, jitterLater: 0.2 };
  assert.equal(backoffDelay(0, policy, 0), 120);
  assert.equal(backoffDelay(0, policy, 0.5), 100);
  assert.equal(backoffDelay(2, policy, 0.999999), 320);
  assert.equal(backoffDelay(99, policy, 0.5), 5000, "capped");
});

Deno.test("concat: chunks end to end, into a new buffer or the start of a given one", () => {
  const chunks = [new Uint8Array([1, 2]), new Uint8Array([]), new Uint8Array([3])];
  assert.deepEqual(concat(chunks), new Uint8Array([1, 2, 3]));
  const into = new Uint8Array(8).fill(9);
  const out = concat(chunks, into);
  assert.deepEqual(out, new Uint8Array([1, 2, 3]));
  assert.equal(out.buffer, into.buffer);
  assert.deepEqual(into.subarray(3, 4), new Uint8Array([9]), "the rest untouched");
  assert.deepEqual(concat([]), new Uint8Array(0));
});

Deno.test("errorMessage: an Error's message, anything else as text", () => {
  assert.equal(errorMessage(new TypeError("bad")), "bad");
  assert.equal(errorMessage("plain"), "plain");
  assert.equal(errorMessage(42), "42");
  assert.equal(errorMessage(undefined), "undefined");
});

Deno.test("firstField: the text before the first separator, or all of it", () => {
  assert.equal(firstField("nick!user@host", "!"), "nick");
  assert.equal(firstField("sasl=PLAIN,EXTERNAL", "="), "sasl");
  assert.equal(firstField("no separator", ","), "no separator");
  assert.equal(firstField(",b", ","), "");
  assert.equal(firstField("", ","), "");
});
