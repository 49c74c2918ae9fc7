/**
 * MONITOR's memory stays bounded by what live sessions ask: a list and its index entries go with
 * the session (its connection ending, `MONITOR C`, `-`), and a nick's watchers are found by the
 * index, not by a pass over users.
 */
import assert from "node:assert/strict";
import { Network } from "../../server/network/network.ts";
import { User } from "../../server/state/user.ts";
import { Harness } from "../helpers/harness.ts";
import { LineSink } from "../helpers/line_sink.ts";

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

Deno.test("monitors: a rename away from a nick someone else holds now (a stale copy) is no 731", () => {
  const net = new Network();
  const watcher = new User(90, "host", new LineSink());
  watcher.setNick("watcher");
  const session = watcher.sessions[0]!;
  const lines: string[] = [];
  net.monitors.add({
    session,
    user: watcher,
    server: { name: "srv" },
    reply: (numeric, ...params) => lines.push([numeric, ...params].join(" ")),
    answer: () => {},
    has: () => false,
  }, "bob");
  const stale = new User(91, "old", new LineSink()), fresh = new User(92, "new", new LineSink());
  for (const u of [stale, fresh]) {
    u.setNick("bob");
    u.username = "u";
    net.apply({ type: "introduce", user: u });
  }
  assert.deepEqual(lines, ["730 bob!u@old", "730 bob!u@new"]);
  net.apply({ type: "nick", user: stale, nick: "bobby", time: 1 }); // its QUIT was on the way
  assert.deepEqual(lines.slice(2), [], "bob is still online: the new holder has it");
  net.apply({ type: "nick", user: fresh, nick: "robert", time: 2 });
  assert.deepEqual(lines.slice(2), ["731 bob"]);
});
