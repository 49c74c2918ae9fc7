/**
 * The cluster's pure parts, without Redis: event decoding, the replica applying events in order
 * (what local users see), resynchronization from a snapshot, and the op queue's ordering, retry
 * and hold-time rules.
 */
import assert from "node:assert/strict";
import { decodeDelivery, decodeEvent } from "../../server/cluster/events.ts";
import type { ClusterEvent, UserRecord, WireSettings } from "../../server/cluster/events.ts";
import { type Op, OpQueue } from "../../server/cluster/op_queue.ts";
import { Replica } from "../../server/cluster/replica.ts";
import { deliverWire } from "../../server/cluster/cluster_messages.ts";
import { settingsModeChanges } from "../../server/cluster/records.ts";
import { resyncReplica } from "../../server/cluster/resync.ts";
import { parseRedisUrl, reconnectDelay } from "../../server/cluster/redis_client.ts";
import { isValidNodeId } from "../../server/cluster/start.ts";
import { msg } from "../../protocol/message.ts";
import { Outgoing } from "../../server/outgoing.ts";
import { BATCH_MIN_MEMBERS, flushChannel } from "../../server/join_batch.ts";
import { User } from "../../server/state/user.ts";
import { LineSink } from "../helpers/line_sink.ts";

const forwarded: string[] = [];
function replica(): Replica {
  return new Replica({
    self: "a",
    remoteSink: (uid) => ({ send: () => forwarded.push(uid), terminate: () => {} }),
    now: () => 1000,
  });
}

function local(r: Replica, id: number, nick: string): { user: User; out: LineSink } {
  const out = new LineSink();
  const user = new User(id, "10.0.0.1", out);
  user.setNick(nick);
  user.username = `~${nick}`;
  user.registered = true;
  r.addLocal(user, `a/${id}`);
  return { user, out };
}

function record(id: string, nick: string, node = "b"): UserRecord {
  return {
    id,
    node,
    nick,
    folded: nick.toLowerCase(),
    username: `~${nick}`,
    hostname: "10.0.0.2",
    realname: nick,
    modes: "",
    signon: 1,
    secure: false,
    server: `${node}.test`,
    r: true,
  };
}

const settings = (name: string, extra: Partial<WireSettings> = {}): WireSettings => ({
  name,
  created: 1,
  modes: "nt",
  bans: [],
  banExceptions: [],
  inviteExceptions: [],
  invited: [],
  ...extra,
});

let seq = 0;
function ev(e: Record<string, unknown>): ClusterEvent {
  return { s: ++seq, n: "b", ...e } as ClusterEvent;
}

Deno.test("cluster events: cjson's empty objects become arrays; garbage is refused", () => {
  const e = decodeEvent(
    '{"t":"join","s":3,"n":"b","u":"b/1","c":"#x","st":1,"tm":5,' +
      '"ch":{"name":"#x","created":1,"modes":"nt","bans":{},"invited":{}}}',
  );
  assert.equal(e.t, "join");
  if (e.t === "join") {
    assert.deepEqual(e.ch.bans, []);
    assert.deepEqual(e.ch.invited, []);
  }
  const lost = decodeEvent('{"t":"lost","s":4,"n":"b","node":"b","us":{},"r":"node lost"}');
  assert.deepEqual(lost.t === "lost" && lost.us, []);
  assert.throws(() => decodeEvent("nope"), { name: "DecodeError" });
  assert.throws(() => decodeEvent('{"t":"join"}'), { name: "DecodeError" });
  assert.throws(() => decodeDelivery('{"t":"other"}'), { name: "DecodeError" });
  assert.equal(decodeDelivery('{"t":"kill","to":"a/1","r":"x"}').t, "kill");
});

Deno.test("replica: joins, messages and parts reach local members once, in event order", () => {
  const r = replica();
  const alice = local(r, 1, "alice");
  const carol = local(r, 2, "carol");
  r.apply(ev({ t: "intro", u: record("b/1", "bob") }));
  r.apply(ev({ t: "join", u: "a/1", c: "#x", st: 1, ch: settings("#x"), tm: 1 }));
  r.apply(ev({ t: "join", u: "b/1", c: "#x", st: 0, ch: settings("#x"), tm: 2 }));
  r.apply(ev({ t: "join", u: "a/2", c: "#x", st: 0, ch: settings("#x"), tm: 3 }));
  assert.deepEqual(alice.out.take(), [
    ":alice!~alice@10.0.0.1 JOIN #x",
    ":bob!~bob@10.0.0.2 JOIN #x",
    ":carol!~carol@10.0.0.1 JOIN #x",
  ]);
  assert.deepEqual(carol.out.take(), [":carol!~carol@10.0.0.1 JOIN #x"]);
  const channel = r.channel("#x")!;
  assert.equal(channel.members.size, 3);
  assert.ok(channel.isOp(alice.user));
  assert.ok(r.hasLocalMembers("#x"));

  // a message from bob: every local member once; from alice: not back to alice unless echoed
  const fromBob = {
    t: "msg" as const,
    id: "m1",
    cmd: "PRIVMSG",
    p: ["#x", "hi"],
    src: "bob!~bob@h",
    u: "b/1",
  };
  deliverWire(r, fromBob, new Outgoing(msg("PRIVMSG", ["#x", "hi"], "bob!~bob@h")), "#x");
  const fromAlice = { ...fromBob, id: "m2", u: "a/1", src: "alice!~alice@h" };
  deliverWire(r, fromAlice, new Outgoing(msg("PRIVMSG", ["#x", "yo"], "alice!~alice@h")), "#x");
  assert.deepEqual(alice.out.take(), [":bob!~bob@h PRIVMSG #x :hi"]);
  assert.deepEqual(carol.out.take(), [
    ":bob!~bob@h PRIVMSG #x :hi",
    ":alice!~alice@h PRIVMSG #x :yo",
  ]);
  deliverWire(r, fromAlice, new Outgoing(msg("PRIVMSG", ["#x", "echo"], "alice!~alice@h")), "#x", {
    user: alice.user,
    sessions: [...alice.user.sessions],
  });
  assert.deepEqual(alice.out.take(), [":alice!~alice@h PRIVMSG #x :echo"]);
  assert.deepEqual(carol.out.take(), [":alice!~alice@h PRIVMSG #x :echo"]);
  // status messages: only ops (alice), and the sender's echo
  const ops = { ...fromBob, id: "m3", st: 1 };
  deliverWire(r, ops, new Outgoing(msg("PRIVMSG", ["@#x", "ops"], "bob!~bob@h")), "#x");
  assert.equal(alice.out.take().length, 1);
  assert.equal(carol.out.take().length, 0);

  // PART of a local user: out of the channel at once, the PART line when the event comes
  r.dropLocalMembership(carol.user, channel);
  assert.ok(!channel.has(carol.user));
  r.apply(ev({ t: "part", u: "a/2", c: "#x", r: "bye", tm: 4 }));
  assert.deepEqual(carol.out.take(), [":carol!~carol@10.0.0.1 PART #x :bye"]);
  assert.deepEqual(alice.out.take(), [":carol!~carol@10.0.0.1 PART #x :bye"]);
  assert.equal(forwarded.length, 0, "nothing is sent to users of other nodes");

  // the last member parting still sees the PART, then the channel is gone
  r.apply(ev({ t: "quit", u: "b/1", r: "bye" }));
  alice.out.take();
  r.dropLocalMembership(alice.user, channel);
  assert.ok(r.channel("#x"), "kept until the PART event");
  r.apply(ev({ t: "part", u: "a/1", c: "#x", tm: 5 }));
  assert.deepEqual(alice.out.take(), [":alice!~alice@10.0.0.1 PART #x"]);
  assert.equal(r.channel("#x"), undefined);
});

Deno.test("replica: a lost node's users QUIT 'node lost' and free their nicks", () => {
  const r = replica();
  const alice = local(r, 1, "alice");
  r.apply(ev({ t: "intro", u: record("b/1", "bob") }));
  r.apply(ev({ t: "intro", u: record("b/2", "dave") }));
  r.apply(ev({ t: "join", u: "a/1", c: "#x", st: 1, ch: settings("#x"), tm: 1 }));
  r.apply(ev({ t: "join", u: "b/1", c: "#x", st: 0, ch: settings("#x"), tm: 2 }));
  alice.out.take();
  assert.equal(r.stats().servers, 2);
  r.apply(ev({ t: "lost", node: "b", us: ["b/1", "b/2"], r: "node lost" }));
  assert.deepEqual(alice.out.take(), [":bob!~bob@10.0.0.2 QUIT :node lost"]);
  assert.equal(r.userByNick("bob"), undefined);
  assert.equal(r.userByNick("dave"), undefined);
  assert.equal(r.channel("#x")!.members.size, 1);
  assert.equal(r.stats().users, 1);
  assert.equal(r.stats().servers, 1);
  assert.equal(r.whowas("bob")[0]?.nick, "bob");
  // the node's own "lost" event is the hub's business, not the replica's
  r.apply(ev({ t: "lost", node: "a", us: ["a/1"], r: "node lost" }));
  assert.ok(r.userByNick("alice"));
});

Deno.test("replica: nick, mode, topic, kick and attribute events", () => {
  const r = replica();
  const alice = local(r, 1, "alice");
  alice.user.sessions[0]!.setCap("away-notify", true);
  r.apply(ev({ t: "intro", u: record("b/1", "bob") }));
  r.apply(ev({ t: "join", u: "a/1", c: "#x", st: 1, ch: settings("#x"), tm: 1 }));
  r.apply(ev({ t: "join", u: "b/1", c: "#x", st: 0, ch: settings("#x"), tm: 2 }));
  alice.out.take();
  r.apply(ev({ t: "nick", u: "b/1", nick: "Robert", tm: 3 }));
  r.apply(
    ev({
      t: "mode",
      c: "#x",
      by: "alice!~alice@h",
      tm: 4,
      ch: [{ a: true, m: "v", p: "Robert", u: "b/1" }, { a: true, m: "m" }],
    }),
  );
  r.apply(
    ev({ t: "topic", c: "#x", topic: { text: "hello", setBy: "x", setAt: 5 }, by: "x", tm: 5 }),
  );
  r.apply(ev({ t: "away", u: "b/1", v: "lunch" }));
  r.apply(ev({ t: "kick", by: "alice!~alice@h", u: "b/1", c: "#x", r: "out", tm: 6 }));
  assert.deepEqual(alice.out.take(), [
    ":bob!~bob@10.0.0.2 NICK Robert",
    ":alice!~alice@h MODE #x +vm Robert",
    ":x TOPIC #x :hello",
    ":Robert!~bob@10.0.0.2 AWAY :lunch",
    ":alice!~alice@h KICK #x Robert :out",
  ]);
  assert.equal(r.userByNick("robert")!.away, "lunch");
  assert.equal(r.channel("#x")!.topic?.text, "hello");
  assert.ok(r.channel("#x")!.modes.has("m"));
  assert.equal(r.channel("#x")!.members.size, 1);
  // the owner changed its own user already: its event only tells the neighbours
  alice.user.away = "mine";
  r.apply(ev({ t: "away", u: "a/1", v: "stale" }));
  assert.equal(alice.user.away, "mine");
});

Deno.test("replica: resynchronization shows local users what changed during an outage", () => {
  const r = replica();
  const alice = local(r, 1, "alice");
  r.apply(ev({ t: "intro", u: record("b/1", "bob") }));
  r.apply(ev({ t: "intro", u: record("b/2", "dave") }));
  r.apply(ev({ t: "join", u: "a/1", c: "#x", st: 1, ch: settings("#x"), tm: 1 }));
  r.apply(ev({ t: "join", u: "b/1", c: "#x", st: 0, ch: settings("#x"), tm: 2 }));
  r.apply(ev({ t: "join", u: "b/2", c: "#x", st: 0, ch: settings("#x"), tm: 2 }));
  alice.out.take();
  const after = settings("#x", { modes: "nst", topic: { text: "new", setBy: "eve", setAt: 9 } });
  const applied = resyncReplica(
    r,
    {
      seq: 50,
      users: [
        record("a/1", "alice", "a"),
        { ...record("b/2", "dave"), away: "gone" },
        record("c/1", "eve", "c"),
      ],
      channels: [{
        folded: "#x",
        settings: after,
        members: new Map([["a/1", 1], ["b/2", 1], ["c/1", 0]]),
      }],
      nodes: ["a", "c"],
      accounts: [{ name: "Alice", created: 1 }],
      registry: [],
    },
    1000,
    "a.test",
  );
  assert.deepEqual(alice.out.take(), [
    ":bob!~bob@10.0.0.2 QUIT :node lost",
    ":eve TOPIC #x :new",
    ":a.test MODE #x +s",
    ":eve!~eve@10.0.0.2 JOIN #x",
    ":a.test MODE #x +o dave",
  ]);
  assert.ok(applied.length >= 5);
  assert.equal(r.appliedSeq, 50);
  assert.equal(r.userByNick("dave")!.away, "gone");
  assert.equal(r.channel("#x")!.members.size, 3);
  assert.ok(r.accounts.has("alice"));
  assert.deepEqual([...r.nodes].sort(), ["a", "c"]);
});

Deno.test("settingsModeChanges: flags, key, limit, bans and exceptions that differ", () => {
  const entry = (mask: string) => ({ mask, setBy: "x", setAt: 1 });
  const a = settings("#x", {
    key: "k",
    bans: [entry("a!*@*")],
    banExceptions: [entry("e!*@*")],
  });
  const b = settings("#x", {
    modes: "mt",
    limit: 5,
    bans: [entry("b!*@*")],
    inviteExceptions: [entry("i!*@*")],
  });
  assert.deepEqual(settingsModeChanges(a, b), [
    { a: false, m: "n" },
    { a: true, m: "m" },
    { a: false, m: "k", p: "*" },
    { a: true, m: "l", p: "5" },
    { a: false, m: "b", p: "a!*@*" },
    { a: true, m: "b", p: "b!*@*" },
    { a: false, m: "e", p: "e!*@*" },
    { a: true, m: "I", p: "i!*@*" },
  ]);
});

Deno.test("op queue: in order, retried after a lost connection, dropped after the hold", async () => {
  const ran: string[] = [];
  let fail = false;
  const results: string[] = [];
  const q = new OpQueue(
    (op) => {
      ran.push(String(op.args[0]));
      return fail
        ? Promise.reject(new Error("Connection is closed."))
        : Promise.resolve(op.args[0]);
    },
    {
      holdMs: 100,
      isConnectionError: (e) => String(e).includes("closed"),
      onConnectionError: () => {},
    },
  );
  const op = (name: string, at = 0): Op => ({
    name: "quit",
    args: [name],
    at,
    sent: false,
    done: (v) => results.push(`done ${v}`),
    dropped: (why) => results.push(`dropped ${name} ${why}`),
  });
  q.resume();
  q.push(op("1"));
  fail = true;
  q.push(op("2"), 10);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(q.size, 1, "2 waits for the link");
  q.push(op("3"), 20);
  assert.deepEqual(ran, ["1", "2"], "nothing is sent while paused");
  fail = false;
  q.resume();
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(ran, ["1", "2", "2", "3"]);
  assert.deepEqual(results, ["done 1", "done 2", "done 3"]);
  // paused for longer than the hold: what waits is dropped, new ops too
  q.pause(1000);
  q.push(op("4", 1000), 1000);
  assert.equal(q.expire(1050), 0);
  assert.equal(q.expire(1200), 1);
  q.push(op("5", 1300), 1300);
  assert.deepEqual(results.slice(3), ["dropped 4 unavailable", "dropped 5 unavailable"]);
});

Deno.test("cluster options: redis:// addresses and the reconnection backoff", () => {
  assert.deepEqual(parseRedisUrl("redis://10.0.0.5:6380/2"), {
    host: "10.0.0.5",
    port: 6380,
    db: 2,
    username: undefined,
    password: undefined,
  });
  assert.equal(parseRedisUrl("redis://localhost").port, 6379);
  assert.equal(parseRedisUrl("redis://:s%40cret@h:1").password, "s@cret");
  for (const bad of ["http://h:1", "redis://h:1/99", "nonsense", "redis://h:1/x"]) {
    assert.throws(() => parseRedisUrl(bad), { name: "ClusterUrlError" }, bad);
  }
  assert.equal(reconnectDelay(1, () => 0.5), 100);
  assert.equal(reconnectDelay(4, () => 0.5), 800);
  assert.equal(reconnectDelay(40, () => 0.5), 5000, "capped");
  assert.ok(reconnectDelay(3, () => 0) >= 320 && reconnectDelay(3, () => 1) <= 480, "±20%");
  assert.ok(isValidNodeId("web-1_a") && !isValidNodeId("a/b") && !isValidNodeId(""));
});

Deno.test("replica: JOINs into a big channel are batched for local members, in order, before anything else", () => {
  const r = replica();
  const members = Array.from({ length: BATCH_MIN_MEMBERS }, (_, i) => local(r, i + 1, `m${i}`));
  for (const [i, m] of members.entries()) {
    r.apply(ev({ t: "join", u: `a/${m.user.id}`, c: "#big", st: 0, ch: settings("#big"), tm: i }));
  }
  flushChannel(r.channel("#big")!); // the last of them made the channel big enough to hold JOINs
  for (const m of members) m.out.take();
  const late = local(r, 500, "late");
  forwarded.length = 0;
  r.apply(ev({ t: "intro", u: record("b/1", "bob") }));
  r.apply(ev({ t: "intro", u: record("b/2", "carol") }));
  r.apply(ev({ t: "join", u: "b/1", c: "#big", st: 0, ch: settings("#big"), tm: 100 }));
  r.apply(ev({ t: "join", u: "a/500", c: "#big", st: 0, ch: settings("#big"), tm: 101 }));
  r.apply(ev({ t: "join", u: "b/2", c: "#big", st: 0, ch: settings("#big"), tm: 102 }));
  const joins = (lines: string[]) =>
    lines.filter((l) => l.includes(" JOIN ")).map((l) => l.slice(1, l.indexOf("!")));
  // held: the old members have heard nothing yet; the local joiner has its own JOIN at once
  assert.deepEqual(members[0]!.out.lines, []);
  assert.deepEqual(joins(late.out.take()), ["late"]);
  assert.deepEqual(forwarded, [], "nothing announced to users of other nodes");

  const msg1 = {
    t: "msg" as const,
    id: "j1",
    cmd: "PRIVMSG",
    p: ["#big", "hi"],
    src: "carol!~carol@h",
    u: "b/2",
  };
  deliverWire(r, msg1, new Outgoing(msg("PRIVMSG", ["#big", "hi"], "carol!~carol@h")), "#big");
  const old = members[0]!.out.take();
  assert.deepEqual(joins(old), ["bob", "late", "carol"], "every JOIN once, in event order");
  assert.match(old.at(-1)!, / PRIVMSG #big :hi$/, "the JOINs first");
  // the batch went out to everyone at once: the late joiner gets the joins after its own
  assert.deepEqual(joins(late.out.take()), ["carol"]);
  assert.deepEqual(joins(members[BATCH_MIN_MEMBERS - 1]!.out.take()), ["bob", "late", "carol"]);
});
