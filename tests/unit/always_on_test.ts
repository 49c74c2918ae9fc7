/** The always-on rules (server/always_on.ts) and a restore through the hub, without sockets. */
import assert from "node:assert/strict";
import {
  awayOnPresence,
  expired,
  expiredUsers,
  isAlwaysOn,
  OFFLINE_AWAY,
  recordOf,
  restoredUser,
} from "../../server/always_on.ts";
import { User } from "../../server/state/user.ts";
import { Session } from "../../server/state/session.ts";
import { Harness } from "../helpers/harness.ts";

const DAY = 24 * 3600 * 1000;

Deno.test("always-on: the account's choice within the server's policy", () => {
  const on = (policy: "default-on" | "opt-in" | "off", choice: boolean | undefined) =>
    isAlwaysOn({ policy, expireMs: DAY }, choice);
  assert.deepEqual(
    [on("default-on", undefined), on("default-on", false), on("opt-in", undefined)],
    [true, false, false],
  );
  assert.deepEqual([on("opt-in", true), on("off", true)], [true, false]);
});

Deno.test("always-on: away when the last session ends, unless away by choice; back clears ours only", () => {
  const user = new User(1, "h");
  assert.deepEqual(awayOnPresence(user, false, 100), { message: OFFLINE_AWAY });
  assert.equal(user.lastSeen, 100);
  // a session that said `AWAY *` (draft/pre-away) is not the user back; a person's one is
  const automatic = new Session({ send() {}, terminate() {} });
  automatic.absent = true;
  user.attach(automatic);
  assert.equal(awayOnPresence(user, true, 150), undefined, "an automatic session: still away");
  user.attach(new Session({ send() {}, terminate() {} }));
  assert.deepEqual(awayOnPresence(user, true, 200), { message: undefined });
  assert.equal(user.lastSeen, undefined);
  user.away = "lunch";
  assert.equal(awayOnPresence(user, false, 300), undefined, "its own away stays");
  assert.equal(awayOnPresence(user, true, 400), undefined, "and is not cleared on return");
  assert.deepEqual(
    [expired(0, 2 * DAY, DAY), expired(0, DAY, DAY), expired(0, 9 * DAY, 0)],
    [true, false, false],
  );
  // only always-on users nobody is connected to end
  const gone = new User(2, "h"), connected = new User(3, "h", { send() {}, terminate() {} });
  const plain = new User(4, "h");
  for (const u of [gone, connected, plain]) u.lastSeen = 0;
  gone.alwaysOn = connected.alwaysOn = true;
  assert.deepEqual(expiredUsers([gone, connected, plain], 2 * DAY, DAY), [gone]);
});

Deno.test("always-on: a saved user comes back as it was, and the hub restores it in its channels", async () => {
  const h = await Harness.create();
  const alice = await h.user("alice");
  await alice.run("NS REGISTER wonderland");
  await alice.run("JOIN #x");
  await alice.run("MODE alice +w");
  alice.user.away = "reading";
  const now = Date.now();
  const record = recordOf(alice.user, now);
  assert.equal(record.lastSeen, now, "saved while attached: seen now");
  const copy = restoredUser(JSON.parse(JSON.stringify(record)), 99);
  assert.deepEqual(
    [copy.nick, copy.account, copy.modes, copy.away, copy.awayOffline, copy.sessions.length],
    ["alice", "alice", "w", "reading", false, 0],
  );

  const fresh = await Harness.create();
  const old = { ...record, account: "old", nick: "old", lastSeen: Date.now() - 31 * DAY };
  assert.equal(fresh.hub.restore([record, old], 30 * DAY), 1, "the expired one ends instead");
  const back = fresh.hub.findUser("alice")!;
  assert.equal(back.sessions.length, 0);
  assert.equal(fresh.hub.findChannel("#x")!.members.get(back), 1, "op again, as saved");
  assert.equal(fresh.hub.findUser("old"), undefined);
});
