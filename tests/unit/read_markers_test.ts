/** Read markers in SQLite: forward only, per account and target, gone with their account. */
import assert from "node:assert/strict";
import { parseMarker } from "../../server/commands/markread.ts";
import { openSqliteStores } from "../../server/store/stores.ts";
import { MAX_MARKERS_PER_ACCOUNT } from "../../server/store/read_markers.ts";

Deno.test("read markers: a marker only moves forward, per account and target", async () => {
  const stores = openSqliteStores(":memory:");
  try {
    const m = stores.readMarkers;
    assert.equal(await m.get("alice", "#x"), undefined);
    assert.equal(await m.set("alice", "#x", 2000), 2000);
    assert.equal(await m.set("alice", "#x", 1000), 2000, "an older time keeps the newer");
    assert.equal(await m.set("alice", "#x", 3000), 3000);
    assert.equal(await m.get("alice", "#y"), undefined, "per target");
    assert.equal(await m.get("bob", "#x"), undefined, "per account");
  } finally {
    await stores.close();
  }
});

Deno.test("read markers: dropping an account drops its markers", async () => {
  const stores = openSqliteStores(":memory:");
  try {
    assert.equal(await stores.accounts.create("Alice", "correct-horse-battery"), "created");
    await stores.readMarkers.set("alice", "#x", 2000);
    await stores.readMarkers.set("bob", "#x", 2000);
    await stores.accounts.dropAccount("Alice");
    assert.equal(await stores.readMarkers.get("alice", "#x"), undefined);
    assert.equal(await stores.readMarkers.get("bob", "#x"), 2000, "nobody else's");
  } finally {
    await stores.close();
  }
});

Deno.test("read markers: timestamps are server-time's form, nothing else", () => {
  assert.equal(
    parseMarker("timestamp=2026-01-02T03:04:05.678Z"),
    Date.UTC(2026, 0, 2, 3, 4, 5, 678),
  );
  assert.equal(parseMarker("timestamp=2026-01-02T03:04:05Z"), Date.UTC(2026, 0, 2, 3, 4, 5));
  for (
    const bad of [
      "2026-01-02T03:04:05.678Z",
      "timestamp=",
      "timestamp=2026-01-02",
      "*",
      "timestamp=2026-02-30T99:00:00Z",
    ]
  ) {
    assert.equal(parseMarker(bad), undefined, bad);
  }
});

Deno.test("read markers: an account keeps at most MAX_MARKERS_PER_ACCOUNT conversations", async () => {
  const stores = openSqliteStores(":memory:");
  try {
    const m = stores.readMarkers;
    for (let i = 0; i < MAX_MARKERS_PER_ACCOUNT; i++) {
      assert.equal(await m.set("alice", `nick${i}`, 1000), 1000);
    }
    assert.equal(await m.set("alice", "onemore", 1000), undefined, "refused");
    assert.equal(await m.get("alice", "onemore"), undefined);
    assert.equal(await m.set("alice", "nick7", 2000), 2000, "one it has still moves");
    assert.equal(await m.set("bob", "onemore", 1000), 1000, "another account is not limited");
  } finally {
    await stores.close();
  }
});
