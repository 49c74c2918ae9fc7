/**
 * The network model driven directly: events in, state and the lines each user here sees out.
 * The single process (every user here) and a cluster node (some users here) apply the same
 * events through the same `apply`.
 */
import assert from "node:assert/strict";
import type { ChannelSettings } from "../../server/network/events.ts";
import { Network } from "../../server/network/network.ts";
import { joinStatus, newChannelSettings } from "../../server/network/rules.ts";
import { type Channel, OP, VOICE } from "../../server/state/channel.ts";
import { User } from "../../server/state/user.ts";
import { Session } from "../../server/state/session.ts";
import { Outgoing } from "../../server/outgoing.ts";
import { msg } from "../../protocol/message.ts";
import { LineSink } from "../helpers/line_sink.ts";

let nextId = 1;
function user(nick: string, caps: string[] = []): { user: User; out: LineSink } {
  const out = new LineSink();
  const u = new User(nextId++, "host", out);
  u.setNick(nick);
  u.username = nick.toLowerCase();
  u.registered = true;
  for (const cap of caps) u.sessions[0]!.setCap(cap, true);
  return { user: u, out };
}

const settings = (name: string, extra: Partial<ChannelSettings> = {}): ChannelSettings => ({
  name,
  created: 1,
  modes: "nt",
  bans: [],
  banExceptions: [],
  inviteExceptions: [],
  invited: [],
  historyKey: name.toLowerCase(),
  ...extra,
});

/**
 * Introduces the users not known yet; the first creates `name` as op, the others join it; the
 * lines so far are dropped.
 */
function populate(net: Network, name: string, ...users: { user: User; out: LineSink }[]): void {
  for (const u of users) {
    if (net.userByNick(u.user.folded) !== u.user) net.apply({ type: "introduce", user: u.user });
  }
  users.forEach((u, i) => {
    const first = i === 0;
    const created = first ? { settings: settings(name) } : {};
    const join = { type: "join", user: u.user, channel: name.toLowerCase(), time: 1 } as const;
    net.apply({ ...join, status: first ? OP : 0, ...created });
  });
  for (const u of users) u.out.take();
}

Deno.test("network: a JOIN creates the channel from its settings; every member sees it", () => {
  const net = new Network();
  const a = user("alice"), b = user("bob");
  net.apply({ type: "introduce", user: a.user });
  net.apply({ type: "introduce", user: b.user });
  const s = settings("#Chat", { topic: { text: "hi", setBy: "x", setAt: 1 } });
  net.apply({ type: "join", user: a.user, channel: "#chat", status: OP, settings: s, time: 5 });
  net.apply({ type: "join", user: b.user, channel: "#chat", status: 0, time: 6 });
  const channel = net.channel("#chat")!;
  assert.equal(channel.name, "#Chat");
  assert.equal(channel.topic?.text, "hi");
  assert.deepEqual([...channel.modes], ["n", "t"]);
  assert.equal(channel.members.get(a.user), OP);
  assert.equal(channel.members.get(b.user), 0);
  assert.deepEqual(a.out.take(), [":alice!alice@host JOIN #Chat", ":bob!bob@host JOIN #Chat"]);
  assert.deepEqual(b.out.take(), [":bob!bob@host JOIN #Chat"]);
  assert.equal(net.stats().users, 2);
  assert.equal(net.stats().channels, 1);
  // a JOIN without settings into a channel that does not exist is not applied
  net.apply({ type: "join", user: a.user, channel: "#gone", status: OP, time: 7 });
  assert.equal(net.channel("#gone"), undefined);
});

Deno.test("network: the last PART or KICK ends a channel, and its owner is told", () => {
  const ended: string[] = [];
  const net = new Network({ channelEnded: (c) => ended.push(c.folded) });
  const a = user("alice"), b = user("bob");
  populate(net, "#x", a, b);
  net.apply({
    type: "kick",
    by: a.user.source,
    target: b.user,
    channel: "#x",
    reason: "out",
    time: 2,
  });
  const kick = ":alice!alice@host KICK #x bob :out";
  assert.deepEqual(a.out.take(), [kick]);
  assert.deepEqual(b.out.take(), [kick]);
  assert.equal(b.user.channels.size, 0);
  assert.deepEqual(ended, []);
  net.apply({ type: "part", user: a.user, channel: "#x", reason: "bye", time: 3 });
  assert.deepEqual(a.out.take(), [":alice!alice@host PART #x :bye"]);
  assert.deepEqual(ended, ["#x"]);
  assert.equal(net.channel("#x"), undefined);
  assert.equal(net.stats().channels, 0);
});

Deno.test("network: MODE shows only what changed, names members by nick, saves registrations", () => {
  const saved: string[] = [];
  const net = new Network({ registrationChanged: (c) => saved.push(c.folded) });
  const a = user("alice"), b = user("Bob");
  populate(net, "#x", a, b);
  net.apply({
    type: "mode",
    channel: "#x",
    by: a.user.source,
    changes: [
      { adding: true, mode: "t" }, // set already
      { adding: true, mode: "v", param: "bob", member: b.user },
      { adding: true, mode: "o", param: "nobody" }, // no such member
      { adding: true, mode: "b", param: "*!*@evil" },
    ],
    time: 2,
  });
  assert.deepEqual(a.out.take(), [":alice!alice@host MODE #x +vb Bob *!*@evil"]);
  assert.equal(net.channel("#x")!.members.get(b.user), VOICE);
  assert.deepEqual(saved, [], "an unregistered channel has no registration to save");
  net.apply({ type: "founder", channel: "#x", founder: "alice" });
  net.apply({
    type: "topic",
    channel: "#x",
    topic: { text: "t", setBy: "a", setAt: 3 },
    by: "a",
    time: 3,
  });
  assert.deepEqual(saved, ["#x"]);
  assert.deepEqual(a.out.take(), [":a TOPIC #x :t"]);
});

Deno.test("network: NICK reaches each neighbour once, moves the nick, and is remembered", () => {
  const net = new Network();
  const a = user("alice"), b = user("bob"), c = user("carol");
  net.apply({ type: "introduce", user: c.user });
  populate(net, "#one", a, b);
  populate(net, "#two", a, b);
  net.apply({ type: "nick", user: a.user, nick: "Alicia", time: 9 });
  assert.deepEqual(a.out.take(), [":alice!alice@host NICK Alicia"]);
  assert.deepEqual(b.out.take(), [":alice!alice@host NICK Alicia"]);
  assert.deepEqual(c.out.take(), [], "shares no channel");
  assert.equal(net.userByNick("alicia"), a.user);
  assert.equal(net.userByNick("alice"), undefined);
  assert.deepEqual(net.whowas("ALICE").map((w) => [w.nick, w.at]), [["alice", 9]]);
});

Deno.test("network: counts follow user modes, introductions and quits", () => {
  const net = new Network();
  const a = user("alice"), b = user("bob");
  a.user.setMode("i", true);
  net.apply({ type: "introduce", user: a.user });
  net.apply({ type: "introduce", user: b.user });
  assert.equal(net.setOwnModes(b.user, "io", ""), "+io");
  assert.equal(net.setOwnModes(b.user, "i", "w"), "");
  const s = net.stats();
  assert.deepEqual([s.users, s.maxUsers, s.invisible, s.opers], [2, 2, 2, 1]);
  net.apply({ type: "quit", user: b.user, reason: "bye", time: 2 });
  const t = net.stats();
  assert.deepEqual([t.users, t.maxUsers, t.invisible, t.opers], [1, 2, 1, 0]);
  // modes set before a user is introduced are counted when it is
  const c = user("carol");
  assert.equal(net.setOwnModes(c.user, "o", ""), "+o");
  assert.equal(net.stats().opers, 0);
  net.apply({ type: "introduce", user: c.user });
  assert.equal(net.stats().opers, 1);
});

Deno.test("network: an op's INVITE admits the target; invite-notify members see it", () => {
  const net = new Network();
  const a = user("alice"), b = user("bob", ["invite-notify"]), c = user("carol");
  populate(net, "#x", a, b);
  net.apply({ type: "introduce", user: c.user });
  const invite = { type: "invite", channel: "#x", by: a.user.source, inviter: a.user } as const;
  net.apply({ ...invite, target: c.user, admits: true, time: 2 });
  const line = ":alice!alice@host INVITE carol #x";
  assert.deepEqual(c.out.take(), [line]);
  assert.deepEqual(b.out.take(), [line]);
  assert.deepEqual(a.out.take(), [], "the inviter gets its 341 from the handler");
  assert.ok(net.channel("#x")!.invited.has("carol"));
  net.apply({ type: "join", user: c.user, channel: "#x", status: 0, time: 3 });
  assert.ok(!net.channel("#x")!.invited.has("carol"), "an invite is used up by the JOIN");
});

/** A cluster node's view: `here` are its users; the others are on other nodes. */
function node(): { net: Network; here: Set<User> } {
  const here = new Set<User>();
  return { net: new Network({ here }), here };
}

Deno.test("network: a cluster node tells only its users, and keeps their own attributes", () => {
  const { net, here } = node();
  const a = user("alice"), remote = user("bob");
  here.add(a.user);
  for (const u of [a, remote]) net.apply({ type: "introduce", user: u.user });
  net.apply({
    type: "join",
    user: remote.user,
    channel: "#x",
    status: OP,
    settings: settings("#x"),
    time: 1,
  });
  assert.equal(net.membersHere("#x"), undefined, "nobody here");
  net.apply({ type: "join", user: a.user, channel: "#x", status: 0, time: 2 });
  assert.deepEqual([...net.membersHere("#x")!.keys()], [a.user]);
  assert.deepEqual(a.out.take(), [":alice!alice@host JOIN #x"]);
  net.apply({ type: "away", user: remote.user, message: "lunch", time: 3 });
  assert.equal(remote.user.away, "lunch", "another node's user takes the event's value");
  a.user.away = "newer"; // the owner set it when its user asked
  net.apply({ type: "away", user: a.user, message: "older", time: 4 });
  assert.equal(a.user.away, "newer", "an event coming back does not undo the owner's later change");
  net.apply({ type: "userModes", user: remote.user, modes: "io" });
  assert.deepEqual([net.stats().invisible, net.stats().opers], [1, 1]);
  assert.deepEqual(remote.out.take(), [], "another node's user is told on its own node");
});

Deno.test("network: a node's user leaving at once still sees its PART; the channel waits for it", () => {
  const { net, here } = node();
  const a = user("alice"), remote = user("bob");
  here.add(a.user);
  net.apply({ type: "introduce", user: remote.user });
  populate(net, "#x", a);
  const channel: Channel = net.channel("#x")!;
  net.dropMembership(a.user, channel);
  assert.equal(net.channel("#x"), channel, "kept, empty, until the PART is applied");
  assert.equal(a.user.channels.size, 0);
  net.apply({ type: "part", user: a.user, channel: "#x", time: 2 });
  assert.deepEqual(a.out.take(), [":alice!alice@host PART #x"]);
  assert.equal(net.channel("#x"), undefined);
});

Deno.test("network: the same events give a user the same lines in one process and on a node", () => {
  const single = new Network();
  const { net: cluster, here } = node();
  const seen: string[][] = [];
  for (const net of [single, cluster]) {
    nextId = 100;
    const a = user("alice", ["extended-join", "away-notify"]), b = user("bob");
    here.clear();
    here.add(a.user);
    for (const u of [a, b]) net.apply({ type: "introduce", user: u.user });
    net.apply({
      type: "join",
      user: a.user,
      channel: "#x",
      status: OP,
      settings: settings("#x"),
      time: 1,
    });
    net.apply({ type: "join", user: b.user, channel: "#x", status: 0, time: 2 });
    b.user.away = "gone";
    net.apply({ type: "away", user: b.user, message: "gone", time: 3 });
    net.apply({
      type: "mode",
      channel: "#x",
      by: a.user.source,
      changes: [{ adding: true, mode: "o", member: b.user }],
      time: 4,
    });
    net.apply({ type: "quit", user: b.user, reason: "later", time: 5 });
    seen.push(a.out.take());
  }
  assert.deepEqual(seen[0], seen[1]);
  assert.equal(seen[0]!.length, 5);
});

Deno.test("network rules: the first joiner of an unregistered channel is op; of a registered one, its founder", () => {
  assert.equal(joinStatus(0, undefined, undefined), OP);
  assert.equal(joinStatus(3, undefined, "alice"), 0);
  assert.equal(
    joinStatus(0, "alice", undefined),
    0,
    "a registered channel's first joiner is no op",
  );
  assert.equal(joinStatus(0, "alice", "bob"), 0);
  assert.equal(joinStatus(7, "alice", "alice"), OP);
  const fresh = newChannelSettings("#Chat", "#chat", false, 42);
  assert.deepEqual([fresh.name, fresh.created, fresh.modes], ["#Chat", 42, "nt"]);
  assert.notEqual(fresh.historyKey, "#chat", "each life of a channel has its own history");
  assert.equal(newChannelSettings("#lobby", "#lobby", true, 42).historyKey, "#lobby");
});

Deno.test("network: a channel message reaches every session of every member, as sessions come and go", () => {
  const net = new Network();
  const a = user("alice"), b = user("bob");
  populate(net, "#x", a, b);
  const channel = net.channel("#x")!;
  const line = (n: number) => new Outgoing(msg("PRIVMSG", ["#x", `m${n}`], a.user.source));
  net.toChannel(channel, line(1), { except: a.user });
  assert.deepEqual(b.out.take(), [":alice!alice@host PRIVMSG #x :m1"]);
  assert.deepEqual(a.out.take(), [], "not back to its sender");
  const phone = new LineSink();
  b.user.attach(new Session(phone));
  net.toChannel(channel, line(2), { except: a.user });
  assert.deepEqual(b.out.take(), [":alice!alice@host PRIVMSG #x :m2"]);
  assert.deepEqual(phone.take(), [":alice!alice@host PRIVMSG #x :m2"], "a session attached later");
  net.apply({ type: "part", user: b.user, channel: "#x", time: 3 });
  b.out.take(), phone.take();
  net.toChannel(channel, line(3), { except: a.user });
  assert.deepEqual([b.out.take(), phone.take()], [[], []], "a member who left gets nothing");
});
