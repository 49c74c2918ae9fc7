/**
 * A node's full copy of the network (every node's users, every channel and its members) kept up
 * to date by applying the cluster's events in Redis order, and telling this node's users what
 * they would have seen on a single server. Pure: no Redis, no sockets; `ClusterHub` feeds it.
 *
 * Users of this node are the real `User` objects of their sessions; users of other nodes are
 * `User` objects whose sink forwards to their node (only KILL and services ever use it: delivery
 * to them happens on their own node, from the channel or inbox publication).
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import { applyModeChange, formatModeChanges } from "../channel_modes.ts";
import { deliver, type DeliveryFilter, type NetworkStats, type WhowasEntry } from "../hub.ts";
import { Outgoing } from "../outgoing.ts";
import { Channel } from "../state/channel.ts";
import type { Sink } from "../state/session.ts";
import { User } from "../state/user.ts";
import { announceJoin, flushChannel, joinLines } from "../join_batch.ts";
import { Whowas } from "../network/whowas.ts";
import { fillUser, setModes } from "./records.ts";
import type { Account, RegisteredChannel } from "../store/accounts.ts";
import {
  type AppliedMode,
  type ChannelSettings,
  type ClusterEvent,
  USER_ATTRIBUTE_EVENTS,
  type UserRecord,
} from "./events.ts";

/** What the replica needs from its surroundings. */
export interface ReplicaOptions {
  /** This node's id. */
  self: string;
  /** This node's server name (source of MODE changes made up during resynchronization). */
  serverName: string;
  /** The sink of a user on another node. */
  remoteSink(uid: string): Sink;
  now?: () => number;
}

let nextRemoteId = -1;

/** The network as this node sees it. */
export class Replica {
  readonly self: string;
  readonly #serverName: string;
  readonly #remoteSink: (uid: string) => Sink;
  readonly #now: () => number;
  /** Registered users by cluster id. */
  readonly #users = new Map<string, User>();
  readonly #uid = new Map<User, string>();
  readonly #nicks = new Map<string, User>();
  readonly #channels = new Map<string, Channel>();
  /** Users of this node. */
  readonly #local = new Set<User>();
  /** Channel (folded) → its members on this node: the hot path of delivery. */
  readonly #localMembers = new Map<string, Set<User>>();
  readonly #whowas = new Whowas();
  /** Node id → the users it owns. */
  readonly #nodeOf = new Map<User, string>();
  /** Live nodes. */
  readonly nodes = new Set<string>();
  /** Accounts by folded name (AccountStore.find reads this). */
  readonly accounts = new Map<string, Account>();
  /** Registered channels by folded name (ChannelRegistry.load reads this). */
  readonly registry = new Map<string, RegisteredChannel>();
  /** `<uid> <channel>` of local PARTs whose event has not come back yet. */
  readonly #parting = new Set<string>();
  /** Sequence number of the last event applied. */
  appliedSeq = 0;
  #maxUsers = 0;

  constructor(options: ReplicaOptions) {
    this.self = options.self;
    this.#serverName = options.serverName;
    this.#remoteSink = options.remoteSink;
    this.#now = options.now ?? Date.now;
    this.nodes.add(this.self);
  }

  // --- reads -----------------------------------------------------------------------------

  /** A registered user by folded nick. */
  userByNick(folded: string): User | undefined {
    return this.#nicks.get(folded);
  }

  byUid(uid: string): User | undefined {
    return this.#users.get(uid);
  }

  uidOf(user: User): string | undefined {
    return this.#uid.get(user);
  }

  /** The node a registered user is on. */
  nodeOf(user: User): string | undefined {
    return this.#nodeOf.get(user);
  }

  isLocal(user: User): boolean {
    return this.#local.has(user);
  }

  channel(folded: string): Channel | undefined {
    return this.#channels.get(folded);
  }

  users(): Iterable<User> {
    return this.#users.values();
  }

  /** Users of this node that are registered. */
  localUsers(): Iterable<User> {
    return this.#local.values();
  }

  channels(): Iterable<Channel> {
    return this.#channels.values();
  }

  /** Members of a channel on this node. */
  localMembers(folded: string): ReadonlySet<User> | undefined {
    return this.#localMembers.get(folded);
  }

  /** True when this node has a member in the channel (it subscribes to the channel then). */
  hasLocalMembers(folded: string): boolean {
    return (this.#localMembers.get(folded)?.size ?? 0) > 0;
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.#whowas.lookup(nick);
  }

  /** LUSERS counts; `unknown` (registering connections) is the hub's to add. */
  stats(): NetworkStats & { servers: number; localUsers: number } {
    let invisible = 0, opers = 0;
    for (const u of this.#users.values()) {
      if (u.modes.has("i")) invisible++;
      if (u.isOper) opers++;
    }
    return {
      users: this.#users.size,
      maxUsers: this.#maxUsers,
      invisible,
      opers,
      unknown: 0,
      channels: this.#channels.size,
      servers: this.nodes.size,
      localUsers: this.#local.size,
    };
  }

  // --- this node's users -----------------------------------------------------------------

  /** Adds a user of this node who just registered (before its intro event comes back). */
  addLocal(user: User, uid: string): void {
    this.#local.add(user);
    this.#addUser(user, uid, this.self);
  }

  /**
   * Takes a local user's membership away at once (PART: a quick re-JOIN must work). The channel
   * stays, even empty, until the PART event (whose line the user still gets) or `forgetIfEmpty`.
   */
  dropLocalMembership(user: User, channel: Channel): void {
    this.#parting.add(`${this.#uid.get(user)} ${channel.folded}`);
    flushChannel(channel); // held JOINs go out in join order: nobody may leave first
    channel.members.delete(user);
    user.channels.delete(channel.folded);
    const set = this.#localMembers.get(channel.folded);
    if (set?.delete(user) && set.size === 0) this.#localMembers.delete(channel.folded);
  }

  /** Drops a channel left empty by `dropLocalMembership` when no PART event will come. */
  forgetIfEmpty(folded: string): void {
    for (const key of [...this.#parting]) if (key.endsWith(` ${folded}`)) this.#parting.delete(key);
    if (this.#channels.get(folded)?.members.size === 0) this.#channels.delete(folded);
  }

  // --- delivery --------------------------------------------------------------------------

  /** Delivers to this node's members of a channel. */
  toLocalMembers(channel: Channel, out: Outgoing, filter?: DeliveryFilter): void {
    const members = this.#localMembers.get(channel.folded);
    if (!members) return;
    out.fanOut();
    const status = filter?.status;
    for (const member of members) {
      if (status !== undefined && ((channel.members.get(member) ?? 0) & status) === 0) continue;
      deliver(member, out, filter);
    }
  }

  /** Delivers once to each user of this node sharing a channel with `user` (and `user`). */
  toLocalNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void {
    out.fanOut();
    const seen = new Set<User>();
    for (const channel of user.channels.values()) {
      const members = this.#localMembers.get(channel.folded);
      if (!members) continue;
      for (const member of members) {
        if (seen.has(member)) continue;
        seen.add(member);
        deliver(member, out, filter);
      }
    }
    if (!seen.has(user) && this.#local.has(user)) deliver(user, out, filter);
  }

  // --- events ----------------------------------------------------------------------------

  /** Applies one event in order: the state changes and this node's users are told. */
  apply(e: ClusterEvent): void {
    if (e.s > this.appliedSeq) this.appliedSeq = e.s;
    const now = this.#now();
    switch (e.t) {
      case "intro":
        return this.#intro(e.u);
      case "nick": {
        const user = this.#users.get(e.u);
        if (!user || user.nick === e.nick) return;
        const out = new Outgoing(msg("NICK", [e.nick], user.source), { time: e.tm });
        this.#whowas.remember(Whowas.snapshot(user, now));
        if (this.#nicks.get(user.folded) === user) this.#nicks.delete(user.folded);
        user.setNick(e.nick);
        this.#nicks.set(user.folded, user);
        this.toLocalNeighbours(user, out);
        return;
      }
      case "quit":
        return this.#quit(e.u, e.r, now);
      case "lost":
        if (e.node === this.self) return; // we were declared lost: the hub introduces us again
        for (const uid of e.us) this.#quit(uid, e.r, now);
        if (e.node !== this.self) this.nodes.delete(e.node);
        return;
      case "join":
        return this.#join(e.u, e.c, e.st, e.ch, e.tm);
      case "part": {
        const user = this.#users.get(e.u);
        const channel = this.#channels.get(e.c);
        if (!user || !channel) return;
        this.#parting.delete(`${e.u} ${e.c}`);
        const params = e.r === undefined ? [channel.name] : [channel.name, e.r];
        const out = new Outgoing(msg("PART", params, user.source), { time: e.tm });
        this.toLocalMembers(channel, out);
        // a local user whose membership was dropped at once (PART) still sees their PART
        if (!channel.has(user) && this.#local.has(user)) user.send(out);
        this.#removeMember(channel, user);
        if (channel.members.size === 0) this.#channels.delete(channel.folded);
        return;
      }
      case "kick": {
        const target = this.#users.get(e.u);
        const channel = this.#channels.get(e.c);
        if (!target || !channel) return;
        const out = new Outgoing(msg("KICK", [channel.name, target.nick, e.r], e.by), {
          time: e.tm,
        });
        this.toLocalMembers(channel, out);
        if (!channel.has(target) && this.#local.has(target)) target.send(out);
        this.#removeMember(channel, target);
        return;
      }
      case "topic": {
        const channel = this.#channels.get(e.c);
        if (!channel) return;
        channel.topic = e.topic;
        const text = e.topic?.text ?? "";
        this.toLocalMembers(
          channel,
          new Outgoing(msg("TOPIC", [channel.name, text], e.by), { time: e.tm }),
        );
        this.#persist(channel);
        return;
      }
      case "mode":
        return this.#mode(e.c, e.by, e.tm, e.ch);
      case "invite": {
        const channel = this.#channels.get(e.c);
        const target = this.#users.get(e.u);
        if (!channel || !target) return;
        if (e.ad === true) channel.invited.add(target.folded);
        const out = new Outgoing(msg("INVITE", [target.nick, channel.name], e.by), { time: e.tm });
        if (this.#local.has(target)) target.send(out);
        const by = this.#users.get(e.byu);
        this.toLocalMembers(channel, out, { except: by, cap: "invite-notify" });
        return;
      }
      case "founder": {
        const channel = this.#channels.get(e.c);
        if (channel) channel.founder = e.f;
        if (e.f === undefined) this.registry.delete(e.c);
        else if (channel) this.#persist(channel);
        return;
      }
      case "wallops": {
        const out = new Outgoing(msg("WALLOPS", [e.text], e.by));
        for (const u of this.#local) if (u.modes.has("w")) u.send(out);
        return;
      }
      case "acct":
        this.accounts.set(foldCase(e.name), { name: e.name, created: e.created });
        return;
      case "acctdrop":
        this.accounts.delete(foldCase(e.name));
        for (const c of e.cs) {
          this.registry.delete(c);
          const channel = this.#channels.get(c);
          if (channel) channel.founder = undefined;
        }
        return;
      default:
        if (USER_ATTRIBUTE_EVENTS.has(e.t)) return this.#attribute(e);
    }
  }

  /** A PART of this local user is on its way (its event has not come back yet). */
  isParting(uid: string, folded: string): boolean {
    return this.#parting.has(`${uid} ${folded}`);
  }

  /** Forgets a channel Redis no longer has (resynchronization, after its members' PARTs). */
  dropChannel(folded: string): void {
    this.#channels.delete(folded);
  }

  /** Replaces a channel's settings without telling anyone (resynchronization). */
  replaceSettings(folded: string, settings: ChannelSettings): void {
    const channel = this.#channels.get(folded);
    if (channel) this.#setSettings(channel, settings);
  }

  #attribute(e: ClusterEvent): void {
    if (e.t !== "away" && e.t !== "setname" && e.t !== "account" && e.t !== "umode") return;
    const user = this.#users.get(e.u);
    if (!user) return;
    // the owner node changed its user at once; the event only tells the neighbours
    const owner = this.#local.has(user);
    switch (e.t) {
      case "away": {
        if (!owner) user.away = e.v;
        const params = e.v === undefined ? [] : [e.v];
        const out = new Outgoing(msg("AWAY", params, user.source), { time: this.#now() });
        this.toLocalNeighbours(user, out, { except: user, cap: "away-notify" });
        return;
      }
      case "setname": {
        if (!owner) user.realname = e.v;
        const out = new Outgoing(msg("SETNAME", [e.v], user.source), { time: this.#now() });
        this.toLocalNeighbours(user, out, { cap: "setname" });
        return;
      }
      case "account": {
        if (!owner) user.account = e.v;
        const out = new Outgoing(msg("ACCOUNT", [e.v ?? "*"], user.source), { time: this.#now() });
        this.toLocalNeighbours(user, out, { except: user, cap: "account-notify" });
        return;
      }
      case "umode":
        if (!owner) setModes(user, e.v);
        return;
    }
  }

  #intro(rec: UserRecord): void {
    const known = this.#users.get(rec.id);
    if (known) {
      if (this.#local.has(known)) return;
      fillUser(known, rec);
      return;
    }
    if (rec.node === this.self) return; // a local user we no longer have (quit meanwhile)
    const user = new User(nextRemoteId--, rec.hostname, this.#remoteSink(rec.id), rec.signon);
    user.registered = true;
    for (const session of user.sessions) session.registration = undefined;
    fillUser(user, rec);
    this.#addUser(user, rec.id, rec.node);
    this.nodes.add(rec.node);
  }

  #addUser(user: User, uid: string, node: string): void {
    // a stale holder of the nick (its QUIT still on the way) keeps existing until its event
    this.#users.set(uid, user);
    this.#uid.set(user, uid);
    this.#nodeOf.set(user, node);
    this.#nicks.set(user.folded, user);
    if (this.#users.size > this.#maxUsers) this.#maxUsers = this.#users.size;
  }

  #quit(uid: string, reason: string, now: number): void {
    const user = this.#users.get(uid);
    if (!user) return;
    const out = new Outgoing(msg("QUIT", [reason], user.source), { time: now });
    this.toLocalNeighbours(user, out, { except: user });
    for (const channel of [...user.channels.values()]) this.#removeMember(channel, user);
    this.#users.delete(uid);
    this.#uid.delete(user);
    this.#nodeOf.delete(user);
    this.#local.delete(user);
    if (this.#nicks.get(user.folded) === user) this.#nicks.delete(user.folded);
    this.#whowas.remember(Whowas.snapshot(user, now));
  }

  #join(uid: string, folded: string, status: number, settings: ChannelSettings, time: number) {
    const user = this.#users.get(uid);
    if (!user) return;
    let channel = this.#channels.get(folded);
    if (!channel) {
      channel = new Channel(settings.name, settings.created);
      this.#channels.set(folded, channel);
    }
    this.#setSettings(channel, settings);
    if (channel.has(user)) {
      channel.members.set(user, status);
      return;
    }
    channel.members.set(user, status);
    user.channels.set(folded, channel);
    if (this.#local.has(user)) {
      let set = this.#localMembers.get(folded);
      if (!set) this.#localMembers.set(folded, set = new Set());
      set.add(user);
    }
    const audience = this.#localMembers.get(folded);
    if (!audience) return; // nobody here hears it
    const { plain, extended } = joinLines(channel, user, time);
    announceJoin(channel, audience, user, plain, extended);
  }

  #mode(folded: string, by: string, time: number, changes: AppliedMode[]): void {
    const channel = this.#channels.get(folded);
    if (!channel) return;
    const applied = changes.filter((c) => {
      const member = c.u === undefined ? undefined : this.#users.get(c.u);
      const change = { adding: c.a, mode: c.m, param: member ? member.nick : c.p };
      return applyModeChange(channel, change, by, member, time);
    }).map((c) => {
      const member = c.u === undefined ? undefined : this.#users.get(c.u);
      return { adding: c.a, mode: c.m, param: member ? member.nick : c.p };
    });
    if (applied.length === 0) return;
    const params = [channel.name, ...formatModeChanges(applied)];
    this.toLocalMembers(channel, new Outgoing(msg("MODE", params, by), { time }));
    this.#persist(channel);
  }

  #setSettings(channel: Channel, s: ChannelSettings): void {
    channel.topic = s.topic;
    channel.modes.clear();
    for (const m of s.modes) channel.modes.add(m);
    channel.key = s.key;
    channel.limit = s.limit;
    channel.bans.length = 0;
    channel.bans.push(...s.bans);
    channel.invited.clear();
    for (const i of s.invited) channel.invited.add(i);
    channel.founder = s.founder;
    if (s.hk !== undefined) channel.historyKey = s.hk;
  }

  #removeMember(channel: Channel, user: User): void {
    flushChannel(channel); // held JOINs go out in join order: nobody may leave first
    channel.members.delete(user);
    user.channels.delete(channel.folded);
    const set = this.#localMembers.get(channel.folded);
    if (set?.delete(user) && set.size === 0) this.#localMembers.delete(channel.folded);
    if (channel.members.size === 0) this.#channels.delete(channel.folded);
  }

  /** Keeps the registry copy of a registered channel in step with its live state. */
  #persist(channel: Channel): void {
    if (channel.founder === undefined) return;
    this.registry.set(channel.folded, {
      name: channel.name,
      founder: channel.founder,
      topic: channel.topic,
      modes: [...channel.modes].sort().join(""),
      key: channel.key,
      limit: channel.limit,
      bans: [...channel.bans],
      created: channel.created,
      historyKey: channel.historyKey,
    });
  }
}
