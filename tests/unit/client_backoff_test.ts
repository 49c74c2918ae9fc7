import assert from "node:assert/strict";
import { backoffDelay, DEFAULT_BACKOFF } from "../../util/backoff.ts";
import { pacingBucket } from "../../client/pacer.ts";

Deno.test("backoff: 1 s doubling to 60 s without jitter", () => {
  const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
  const delays = Array.from({ length: 9 }, (_, i) => backoffDelay(i, noJitter, 0.5));
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  assert.equal(backoffDelay(1000, noJitter, 0.5), 60000, "huge attempt counts do not overflow");
});

Deno.test("backoff: jitter only shortens, by at most 20%", () => {
  for (const attempt of [0, 3, 10]) {
    const base = Math.min(60000, 1000 * 2 ** attempt);
    assert.equal(backoffDelay(attempt, DEFAULT_BACKOFF, 0), base);
    const low = backoffDelay(attempt, DEFAULT_BACKOFF, 0.999999);
    assert.ok(low >= base * 0.8 && low < base, `${attempt}: ${low}`);
  }
  assert.notEqual(backoffDelay(2, DEFAULT_BACKOFF, 0.1), backoffDelay(2, DEFAULT_BACKOFF, 0.9));
});

Deno.test("pacing: a burst goes at once, then one line per interval", () => {
  const bucket = pacingBucket({ burst: 3, intervalMs: 500 }, 0);
  for (let i = 0; i < 3; i++) {
    assert.equal(bucket.delay(0), 0);
    bucket.take(0);
  }
  assert.equal(bucket.delay(0), 500);
  assert.equal(bucket.delay(200), 300);
  assert.equal(bucket.delay(500), 0);
  bucket.take(500);
  assert.equal(bucket.delay(500), 500);
  // A long pause refills only up to the burst.
  assert.equal(bucket.delay(100_000), 0);
  for (let i = 0; i < 3; i++) bucket.take(100_000);
  assert.ok(bucket.delay(100_000) > 0);
});
