/**
 * A user is not a connection: deliveries to a user reach each attached session in that
 * session's own form (its capabilities), and replies go only to the session that asked. Today
 * the server attaches one session per user; these tests attach a second by hand.
 */

import assert from "node:assert/strict";
import { Session } from "../../server/state/session.ts";
import type { Outgoing } from "../../server/outgoing.ts";
import { Harness, type RecordedUser } from "../helpers/harness.ts";

/** A second connection of `owner`'s user, recording what it is sent, with its own caps. */
function attachSecond(owner: RecordedUser, caps: string[]) {
  const lines: string[] = [];
  const session = new Session({
    send: (out: Outgoing) => lines.push(out.line(session.variant)),
    terminate: () => {},
  });
  for (const cap of caps) session.setCap(cap, true);
  session.registration = undefined;
  owner.user.attach(session);
  return { session, lines };
}

Deno.test("each session of a user gets a delivery in its own form", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice");
  const bob = await h.user("bob", ["message-tags"]);
  await alice.run("JOIN #c");
  await bob.run("JOIN #c");
  const phone = attachSecond(alice, ["server-time", "extended-join", "message-tags"]);
  alice.take();

  await bob.run("@+draft/react=x PRIVMSG #c :hi");
  // the first session has no caps: a plain line; the second has server-time and tags
  assert.deepEqual(alice.take(), [":bob!~bob@10.0.0.2 PRIVMSG #c :hi"]);
  assert.equal(phone.lines.length, 1);
  assert.match(
    phone.lines[0]!,
    /^@time=[^ ;]+;msgid=[^ ;]+;\+draft\/react=x :bob!~bob@10\.0\.0\.2 PRIVMSG #c :hi$/,
  );

  // a TAGMSG only reaches the sessions that negotiated message-tags
  await bob.run("@+typing=active TAGMSG #c");
  assert.deepEqual(alice.take(), []);
  assert.equal(phone.lines.length, 2);
  assert.match(phone.lines[1]!, / TAGMSG #c$/);

  // extended-join is chosen per session
  const carol = await h.user("carol");
  await carol.run("JOIN #c");
  assert.ok(alice.take().includes(":carol!~carol@10.0.0.3 JOIN #c"));
  assert.match(phone.lines.at(-1)!, / JOIN #c \* :carol real$/);
});

Deno.test("a reply goes only to the session whose command it answers", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice");
  const phone = attachSecond(alice, []);
  const replies = await alice.run("PING :are-you-there");
  assert.ok(replies.some((l) => / PONG \S+ :are-you-there$/.test(l)), "the PONG");
  assert.deepEqual(phone.lines, [], "the other session hears nothing of it");
});

Deno.test("JOINs held in a big channel are written out before anything else reaches any session", async () => {
  const h = await Harness.create();
  const old = await h.bigChannel();
  const phone = attachSecond(old, []);
  const late = await h.user("late");
  await late.run("JOIN #big"); // held for the old members
  await late.run("PRIVMSG #big :after the join");
  const said = phone.lines.filter((l) => l.includes(" JOIN ") || l.includes(" PRIVMSG "));
  assert.deepEqual(said, [
    ":late!~late@10.0.0.65 JOIN #big",
    ":late!~late@10.0.0.65 PRIVMSG #big :after the join",
  ]);
  assert.deepEqual(old.take().filter((l) => l.includes("late")), said);
});
