/**
 * Resynchronizing a node with Redis after a start or an outage: the snapshot the `snapshot`
 * script returns, the stored messages of our channels published while we were not listening,
 * and our users introduced again when Redis lost them. The hub (cluster_hub.ts) runs the steps.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { User } from "../state/user.ts";
import { decodeSettings, normalizeUser, type UserRecord, type WireMessage } from "./events.ts";
import type { RedisLink } from "./redis_client.ts";
import type { Replica, Snapshot } from "./replica.ts";
import { channelTopic, PREFIX } from "./scripts.ts";

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
      for (let i = 0; i + 1 < flat.length; i += 2) members.set(flat[i], Number(flat[i + 1]));
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
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      const sender = replica.userByNick(foldCase(f.source.split("!")[0]));
      const wire: WireMessage = {
        t: "msg",
        id: f.msgid,
        cmd: f.command,
        p: [f.target, f.text],
        src: f.source,
        tm: Number(f.time),
        tg: { msgid: f.msgid, ...(f.tags ? JSON.parse(f.tags) : {}) },
        u: sender ? replica.uidOf(sender) ?? "" : "",
      };
      if (f.account) wire.a = f.account;
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
    const record = host.replica.recordOf(user, uid, host.serverName);
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
    const record = host.replica.recordOf(user, uid, host.serverName);
    const channels = [...user.channels.values()].map((c) => ({
      c: c.folded,
      st: c.members.get(user) ?? 0,
      ch: host.replica.settingsOf(c),
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
