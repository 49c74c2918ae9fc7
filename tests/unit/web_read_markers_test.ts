/** The web page's unread counts from read markers (web/read_markers.js), without a browser. */
import assert from "node:assert/strict";
import { latestSaid, markerParam, parseMarker, unreadOf } from "../../web/read_markers.js";

const T = Date.parse("2026-01-02T03:04:05.678Z");

Deno.test("web read markers: parameters parse and print; * and junk are no marker", () => {
  assert.equal(parseMarker("timestamp=2026-01-02T03:04:05.678Z"), T);
  assert.equal(markerParam(T), "timestamp=2026-01-02T03:04:05.678Z");
  assert.equal(parseMarker(markerParam(T)), T);
  assert.equal(parseMarker("timestamp=2026-01-02T03:04:05Z"), T - 678);
  for (const bad of ["*", "", undefined, "timestamp=yesterday", "2026-01-02T03:04:05.678Z"]) {
    assert.equal(parseMarker(bad), undefined, String(bad));
  }
});

Deno.test("web read markers: unread is what others said after the marker", () => {
  const lines = [
    { kind: "message", at: T - 2, history: true },
    { kind: "event", at: T + 1 }, // joins and parts are never unread
    { kind: "message", at: T + 2, self: true }, // nor what we said (on any device)
    { kind: "action", at: T + 3 },
    { kind: "notice", at: T + 4, mention: true },
    { kind: "message", at: T }, // at the marker: read
  ];
  assert.deepEqual(unreadOf(lines, T), { count: 2, mention: true });
  assert.deepEqual(unreadOf(lines, T + 3), { count: 1, mention: true });
  assert.deepEqual(unreadOf(lines, T + 4), { count: 0, mention: false });
  assert.deepEqual(unreadOf(lines.slice(0, 4), T), { count: 1, mention: false });
  assert.deepEqual(unreadOf(lines.slice(0, 4), T, true), { count: 1, mention: true }, "private");
  // No marker: history counts as read, lines that came live do not.
  assert.deepEqual(unreadOf(lines, undefined), { count: 3, mention: true });
  assert.equal(latestSaid(lines), T + 4);
  assert.equal(latestSaid([{ kind: "event", at: T }]), undefined);
});
