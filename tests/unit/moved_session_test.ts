/**
 * What a connection takes along when it moves to its account's user's node (moved_session.ts):
 * described on one node, restored on the other, the client never asked again for what it sent.
 */
import assert from "node:assert/strict";
import { describeSession, restoreSession } from "../../server/moved_session.ts";
import { METADATA_LIMITS } from "../../server/metadata.ts";
import { Session, type Sink } from "../../server/state/session.ts";
import { User } from "../../server/state/user.ts";

const sink: Sink = { send() {}, terminate() {} };

Deno.test("moved session: caps, names, pre-away, monitor and metadata subscriptions cross over", () => {
  const user = new User(1, "192.0.2.7");
  user.username = "~ann";
  user.realname = "Ann";
  user.account = "ann";
  user.alwaysOn = true;
  const here = new Session(sink, true);
  here.setCap("server-time", true);
  here.setCap("draft/metadata-2", true);
  here.capVersion = 302;
  here.registration = { gotUser: true, capHold: false, pass: undefined, nick: "ann_phone" };
  here.absent = true;
  here.metadataSubs = new Set(["avatar", "display-name"]);
  const state = describeSession(user, here, "welcome", ["bob"]);
  // it travels as JSON between nodes
  const carried = JSON.parse(JSON.stringify(state));

  const placeholder = new User(2, carried.hostname);
  const there = new Session(sink, carried.secure);
  restoreSession(there, placeholder, carried);
  assert.deepEqual([...there.caps].sort(), ["draft/metadata-2", "server-time"]);
  assert.equal(there.capVersion, 302);
  assert.equal(there.registration?.nick, "ann_phone");
  assert.equal(there.absent, true);
  assert.deepEqual([...there.metadataSubs ?? []], ["avatar", "display-name"]);
  assert.deepEqual(carried.monitor, ["bob"]);
  assert.deepEqual(
    [placeholder.username, placeholder.realname, placeholder.account, placeholder.alwaysOn],
    ["~ann", "Ann", "ann", true],
  );
});

Deno.test("moved session: a node restores no more subscriptions than a connection may hold", () => {
  const keys = Array.from({ length: METADATA_LIMITS.maxSubs + 5 }, (_, i) => `k${i}`);
  const there = new Session(sink);
  restoreSession(there, new User(3, "192.0.2.8"), {
    phase: "attach",
    caps: [],
    capVersion: 0,
    secure: false,
    plainText: false,
    hostname: "192.0.2.8",
    username: "~x",
    realname: "x",
    account: "x",
    alwaysOn: false,
    metadataSubs: keys,
  });
  assert.equal(there.metadataSubs?.size, METADATA_LIMITS.maxSubs);
  assert.equal(there.registration, undefined, "it attaches as a registered connection");
});
