/**
 * Resynchronizing a node with Redis after a start or an outage: the snapshot the `snapshot`
 * script returns and the made-up events that bring the replica to it, the stored messages of our channels published while we were not listening,
 * and our users introduced again when Redis lost them. The hub (cluster_hub.ts) runs the steps.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { User } from "../state/user.ts";
import {
  type AppliedMode,
  type ClusterEvent,
  decodeSettings,
  normalizeUser,
  type UserRecord,
  type WireMessage,
  type WireSettings,
} from "./events.ts";
import type { RedisLink } from "./redis_client.ts";
import { recordOf, settingsModeChanges, storedMessageOf, wireSettingsOf } from "./records.ts";
import type { Replica } from "./replica.ts";
import type { Account, RegisteredChannel } from "../store/accounts.ts";
import { channelTopic, PREFIX } from "./scripts.ts";

/** The whole network as Redis holds it at one sequence number. */
export interface Snapshot {
  seq: number;
  /** Registered users of every node. */
  users: UserRecord[];
  channels: { folded: string; settings: WireSettings; members: Map<string, number> }[];
  /** Live nodes. */
  nodes: string[];
  accounts: Account[];
  registry: RegisteredChannel[];
}

/** Stored messages read back per channel after an outage, at most. */
export const CATCH_UP = 1000;

/** Parses the `snapshot` script's answer. */
export function parseSnapshot(raw: unknown): Snapshot {
  const [seq, users, chans, nodes, reg, acct] = raw as [
    string,
    string[],
    [string, string, string[]][],
    string[],
    string[],
    string[],
  ];
  return {
    seq: Number(seq),
    users: users.map((u) => normalizeUser(JSON.parse(u) as UserRecord)).filter((u) => u.r),
    channels: chans.map(([folded, settings, flat]) => {
      const members = new Map<string, number>();
      for (let i = 0; i + 1 < flat.length; i += 2) members.set(flat[i]!, Number(flat[i + 1]));
      return { folded, settings: decodeSettings(settings), members };
    }),
    nodes,
    registry: reg.map((r) => {
      const c = JSON.parse(r);
      return {
        name: c.name,
        founder: c.founder,
        topic: c.topic ?? undefined,
        modes: c.modes ?? "",
        key: c.key ?? undefined,
        limit: c.limit ?? undefined,
        bans: Array.isArray(c.bans) ? c.bans : [],
        banExceptions: Array.isArray(c.banExceptions) ? c.banExceptions : [],
        inviteExceptions: Array.isArray(c.inviteExceptions) ? c.inviteExceptions : [],
        created: c.created,
        historyKey: c.hk ?? undefined,
      };
    }),
    accounts: acct.map((a) => {
      const { name, created } = JSON.parse(a);
      return { name, created };
    }),
  };
}

/**
 * The stored messages of our channels published while this node was not listening: read from
 * the channels' streams (what was delivered already is skipped by msgid). Status messages and
 * TAGMSG are not stored and cannot be caught up.
 */
export async function readMissed(
  link: RedisLink,
  replica: Replica,
  lastSeen: (topic: string) => string | undefined,
  downSince: number,
): Promise<[string, WireMessage, string][]> {
  if (downSince === 0) return [];
  const missed: [string, WireMessage, string][] = [];
  for (const folded of channelsWithLocalMembers(replica)) {
    const topic = channelTopic(folded);
    const last = lastSeen(topic);
    const from = last ? `(${last}` : `${downSince - 5000}-0`;
    const key = replica.channel(folded)?.historyKey ?? folded;
    const entries = await link.cmd.xrange(
      `${PREFIX}h:${key}`,
      from,
      "+",
      "COUNT",
      CATCH_UP,
    ) as [string, string[]][];
    for (const [id, fields] of entries) {
      const m = storedMessageOf(fields);
      const bang = m.source.indexOf("!");
      const nick = bang === -1 ? m.source : m.source.slice(0, bang);
      const sender = replica.userByNick(foldCase(nick));
      const wire: WireMessage = {
        t: "msg",
        id: m.msgid,
        cmd: m.command,
        p: [m.target, m.text],
        src: m.source,
        tm: m.time,
        tg: { msgid: m.msgid, ...m.tags },
        u: sender ? replica.uidOf(sender) ?? "" : "",
      };
      if (m.account) wire.a = m.account;
      missed.push([topic, wire, id]);
    }
  }
  return missed;
}

/** The channels this node has members in (folded). */
function channelsWithLocalMembers(replica: Replica): Set<string> {
  const found = new Set<string>();
  for (const user of replica.localUsers()) {
    for (const folded of user.channels.keys()) found.add(folded);
  }
  return found;
}

/** What `reassert` needs from the hub. */
export interface ReassertHost {
  readonly link: RedisLink;
  readonly replica: Replica;
  readonly node: string;
  readonly serverName: string;
  /** The user's nick claim is gone: it is no longer pending registration under it. */
  unclaimed(user: User): void;
  notice(user: User, text: string): void;
}

/** Introduces a local user again after Redis lost it (restart, or this node was reaped). */
export async function reassert(host: ReassertHost, uid: string, user: User): Promise<void> {
  if (!user.registered) {
    const record = recordOf(user, uid, host.node, host.serverName);
    const ok = await host.link.script(
      "claim",
      [uid, host.node, user.nick, user.folded, JSON.stringify(record)],
    );
    if (ok !== 1) {
      host.unclaimed(user);
      host.notice(user, `*** Your nick ${user.nick} was taken while the network was away`);
    }
    return;
  }
  for (let attempt = 0; attempt < 10; attempt++) {
    const record = recordOf(user, uid, host.node, host.serverName);
    const channels = [...user.channels.values()].map((c) => ({
      c: c.folded,
      st: c.members.get(user) ?? 0,
      ch: wireSettingsOf(c),
    }));
    const r = await host.link.script(
      "ensure",
      [uid, JSON.stringify(record), JSON.stringify(channels), host.node, Date.now()],
    );
    if (r !== 0) return;
    // someone took the nick while this node was away: this user becomes a guest
    const guest = `Guest${Math.floor(10000 + Math.random() * 90000)}`;
    host.replica.apply({ s: 0, n: host.node, t: "nick", u: uid, nick: guest, tm: Date.now() });
    host.notice(user, `*** Your nick was taken while the network was away; you are ${guest}`);
  }
}

/**
 * Brings the replica to the snapshot's state after events were missed (start-up, Redis
 * outage), applying made-up events so this node's users see what changed: QUIT, NICK, JOIN,
 * PART, TOPIC and MODE lines. Users of this node keep their own attributes (this node wrote
 * them). Returns the events applied.
 */
export function resyncReplica(
  replica: Replica,
  snap: Snapshot,
  now: number,
  serverName: string,
): ClusterEvent[] {
  const applied: ClusterEvent[] = [];
  const run = (e: ClusterEvent) => {
    replica.apply(e);
    applied.push(e);
  };
  const n = replica.self;
  replica.nodes.clear();
  replica.nodes.add(replica.self);
  for (const node of snap.nodes) replica.nodes.add(node);
  // users: gone, new, changed
  const records = new Map(snap.users.map((u) => [u.id, u]));
  for (const user of [...replica.users()]) {
    const uid = replica.uidOf(user)!;
    if (replica.isLocal(user) || records.has(uid)) continue;
    const node = replica.nodeOf(user) ?? "";
    run({
      s: 0,
      n,
      t: "quit",
      u: uid,
      r: replica.nodes.has(node) ? "Connection lost" : "node lost",
    });
  }
  for (const rec of snap.users) {
    const user = replica.byUid(rec.id);
    if (!user) {
      // ours only when always-on, from this node's previous run (it becomes local again)
      if (rec.node !== replica.self || rec.ao === "1") run({ s: 0, n, t: "intro", u: rec });
      continue;
    }
    if (replica.isLocal(user)) continue;
    if (user.nick !== rec.nick) run({ s: 0, n, t: "nick", u: rec.id, nick: rec.nick, tm: now });
    if (user.away !== rec.away) run({ s: 0, n, t: "away", u: rec.id, v: rec.away });
    if (user.realname !== rec.realname) {
      run({ s: 0, n, t: "setname", u: rec.id, v: rec.realname });
    }
    if (user.account !== rec.account) run({ s: 0, n, t: "account", u: rec.id, v: rec.account });
    if (user.modes !== rec.modes) {
      run({ s: 0, n, t: "umode", u: rec.id, v: rec.modes });
    }
  }
  // channels: gone, new, changed
  const wanted = new Map(snap.channels.map((c) => [c.folded, c]));
  for (const channel of [...replica.channels()]) {
    const folded = channel.folded;
    if (wanted.has(folded)) continue;
    for (const member of [...channel.members.keys()]) {
      run({ s: 0, n, t: "part", u: replica.uidOf(member)!, c: folded, tm: now });
    }
    replica.dropChannel(folded);
  }
  for (const c of snap.channels) {
    const channel = replica.channel(c.folded);
    if (channel) {
      const s = c.settings;
      if ((channel.topic?.text ?? "") !== (s.topic?.text ?? "")) {
        run({
          s: 0,
          n,
          t: "topic",
          c: c.folded,
          topic: s.topic,
          by: s.topic?.setBy ?? serverName,
          tm: now,
        });
      }
      const modes = settingsModeChanges(wireSettingsOf(channel), s);
      if (modes.length > 0) {
        run({ s: 0, n, t: "mode", c: c.folded, by: serverName, tm: now, ch: modes });
      }
      replica.replaceSettings(c.folded, s);
      for (const member of [...channel.members.keys()]) {
        const uid = replica.uidOf(member)!;
        if (!c.members.has(uid)) run({ s: 0, n, t: "part", u: uid, c: c.folded, tm: now });
      }
    }
    const statusChanges: AppliedMode[] = [];
    for (const [uid, bits] of c.members) {
      const user = replica.byUid(uid);
      if (!user) continue;
      const current = replica.channel(c.folded);
      if (replica.isParting(uid, c.folded)) continue; // its PART is on the way
      if (!current?.has(user)) {
        run({ s: 0, n, t: "join", u: uid, c: c.folded, st: bits, ch: c.settings, tm: now });
        continue;
      }
      const had = current.members.get(user) ?? 0;
      for (const [bit, m] of [[1, "o"], [2, "v"]] as const) {
        if ((had & bit) !== (bits & bit)) {
          statusChanges.push({ a: (bits & bit) !== 0, m, p: user.nick, u: uid });
        }
      }
    }
    if (statusChanges.length > 0) {
      run({ s: 0, n, t: "mode", c: c.folded, by: serverName, tm: now, ch: statusChanges });
    }
  }
  replica.accounts.clear();
  for (const a of snap.accounts) replica.accounts.set(foldCase(a.name), a);
  replica.registry.clear();
  for (const r of snap.registry) replica.registry.set(foldCase(r.name), r);
  replica.appliedSeq = snap.seq;
  return applied;
}
