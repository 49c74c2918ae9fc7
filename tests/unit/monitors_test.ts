/**
 * MONITOR's memory stays bounded by what live sessions ask: a list and its index entries go with
 * the session (its connection ending, `MONITOR C`, `-`), and a nick's watchers are found by the
 * index, not by a pass over users.
 */
import assert from "node:assert/strict";
import { Harness } from "../helpers/harness.ts";

Deno.test("monitors: a session's list and its index entries end with the session", async () => {
  const net = await Harness.create();
  const alice = await net.user("alice");
  const carol = await net.user("carol");
  const { monitors } = net.hub;
  await alice.run("MONITOR + bob,Dave");
  await carol.run("MONITOR + bob");
  assert.equal(monitors.watcherCount("BOB"), 2);
  assert.equal(monitors.size(alice.session), 2);

  await carol.run("MONITOR - bob");
  assert.equal(monitors.watcherCount("bob"), 1);
  alice.terminate("gone");
  assert.equal(monitors.size(alice.session), 0);
  assert.equal(monitors.watcherCount("bob"), 0);
  assert.equal(monitors.watcherCount("dave"), 0);

  await carol.run("MONITOR + eve");
  await carol.run("MONITOR C");
  assert.equal(monitors.watcherCount("eve"), 0);
  assert.deepEqual(monitors.targets(carol.session), []);
});

Deno.test("monitors: an unknown modifier is a FAIL, not a crash", async () => {
  const net = await Harness.create();
  const alice = await net.user("alice");
  const lines = await alice.run("MONITOR X bob");
  assert.ok(lines.some((l) => / FAIL MONITOR INVALID_PARAMS X /.test(l)), lines.join("\n"));
});
