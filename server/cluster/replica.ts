/**
 * A node's copy of the network (every node's users, every channel and its members): the wire
 * events of the cluster, in Redis order, turned into network events (network/events.ts) and
 * applied to one `Network`, which tells this node's users what they would have seen on a single
 * server. Around it, what only a cluster node knows: users' cluster ids and nodes, the live
 * nodes, accounts and registered channels as Redis publishes them. Pure: no Redis, no sockets;
 * `ClusterHub` feeds it.
 *
 * Users of this node are the real `User` objects of their sessions; users of other nodes are
 * `User` objects whose sink forwards to their node (only KILL and services ever use it: delivery
 * to them happens on their own node, from the channel or inbox publication).
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { DeliveryFilter, NetworkStats, WhowasEntry } from "../hub.ts";
import type { Audience } from "../join_batch.ts";
import type { NetworkEvent } from "../network/events.ts";
import type { Monitors } from "../network/monitors.ts";
import { Network } from "../network/network.ts";
import type { Outgoing } from "../outgoing.ts";
import type { Channel } from "../state/channel.ts";
import { Session, type Sink } from "../state/session.ts";
import { User } from "../state/user.ts";
import { type Account, type RegisteredChannel, registrationOf } from "../store/accounts.ts";
import { fillUser } from "./records.ts";
import {
  type ClusterEvent,
  settingsFromWire,
  type UserRecord,
  type WireSettings,
} from "./events.ts";

/** What the replica needs from its surroundings. */
export interface ReplicaOptions {
  /** This node's id. */
  self: string;
  /** The sink of a user on another node. */
  remoteSink(uid: string): Sink;
  /** This node adopted an always-on user (of a lost node, or to attach): local, no session. */
  adopted?(user: User, uid: string): void;
  /** Another node adopted one of this node's always-on users: it is remote now. */
  released?(user: User, uid: string): void;
  /** This node's sessions' MONITOR lists, told of the network's changes. */
  monitors?: Monitors;
  now?: () => number;
}

let nextRemoteId = -1;

/** The one session of a user on another node: what it is sent goes there. */
function remoteSession(sink: Sink): Session {
  const session = new Session(sink);
  session.registration = undefined;
  return session;
}

/** The network as this node sees it. */
export class Replica {
  readonly self: string;
  readonly #remoteSink: (uid: string) => Sink;
  readonly #adopted: ((user: User, uid: string) => void) | undefined;
  readonly #released: ((user: User, uid: string) => void) | undefined;
  readonly #now: () => number;
  /** Users of this node. */
  readonly #local = new Set<User>();
  /** The most users this node had at once (LUSERS 265). */
  #maxLocal = 0;
  readonly #network: Network;
  /** Registered users by cluster id. */
  readonly #users = new Map<string, User>();
  readonly #uid = new Map<User, string>();
  /** The node each registered user is on. */
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

  constructor(options: ReplicaOptions) {
    this.self = options.self;
    this.#remoteSink = options.remoteSink;
    this.#adopted = options.adopted;
    this.#released = options.released;
    this.#now = options.now ?? Date.now;
    this.#network = new Network({
      here: this.#local,
      monitors: options.monitors,
      now: this.#now,
      registrationChanged: (channel) => this.#persist(channel),
    });
    this.nodes.add(this.self);
  }

  // --- reads -----------------------------------------------------------------------------

  /** A registered user by folded nick. */
  userByNick(folded: string): User | undefined {
    return this.#network.userByNick(folded);
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
    return this.#network.channel(folded);
  }

  /**
   * This node's user of an account (see `Network.accountUser`), else one on another node: an
   * always-on one with no session, which a connection here may adopt, or one whose sessions are
   * there, where a connection here moves (attach.ts).
   */
  accountUser(account: string, besides?: User): User | undefined {
    const here = this.#network.accountUser(account, besides);
    if (here) return here;
    const folded = foldCase(account);
    for (const user of this.#users.values()) {
      if (this.#local.has(user) || !user.registered || user.account === undefined) continue;
      if (foldCase(user.account) === folded) return user;
    }
    return undefined;
  }

  users(): Iterable<User> {
    return this.#users.values();
  }

  /** Users of this node that are registered. */
  localUsers(): Iterable<User> {
    return this.#local.values();
  }

  channels(): Iterable<Channel> {
    return this.#network.channels();
  }

  /** Members of a channel on this node. */
  localMembers(folded: string): Audience | undefined {
    return this.#network.membersHere(folded);
  }

  /** True when this node has a member in the channel (it subscribes to the channel then). */
  hasLocalMembers(folded: string): boolean {
    return (this.#network.membersHere(folded)?.size ?? 0) > 0;
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.#network.whowas(nick);
  }

  /** LUSERS counts, with this node's users among them. */
  stats(): NetworkStats & { servers: number; localUsers: number } {
    const local = this.#local.size;
    return {
      ...this.#network.stats(),
      servers: this.nodes.size,
      localUsers: local,
      maxLocalUsers: Math.max(this.#maxLocal, local),
    };
  }

  // --- this node's users -----------------------------------------------------------------

  /** Adds a user of this node who just registered (before its intro event comes back). */
  addLocal(user: User, uid: string): void {
    this.#local.add(user);
    this.#maxLocal = Math.max(this.#maxLocal, this.#local.size);
    this.#addUser(user, uid, this.self);
  }

  /** Sets and clears modes of a user of this node (others learn them from its `umode`). */
  setOwnModes(user: User, add: string, remove: string): string {
    return this.#network.setOwnModes(user, add, remove);
  }

  /**
   * Takes a local user's membership away at once (PART: a quick re-JOIN must work). The channel
   * stays, even empty, until the PART event (whose line the user still gets) or `forgetIfEmpty`.
   */
  dropLocalMembership(user: User, channel: Channel): void {
    this.#parting.add(`${this.#uid.get(user)} ${channel.folded}`);
    this.#network.dropMembership(user, channel);
  }

  /** Drops a channel left empty by `dropLocalMembership` when no PART event will come. */
  forgetIfEmpty(folded: string): void {
    for (const key of [...this.#parting]) if (key.endsWith(` ${folded}`)) this.#parting.delete(key);
    this.#network.forgetIfEmpty(folded);
  }

  // --- delivery --------------------------------------------------------------------------

  /** Delivers to this node's members of a channel. */
  toLocalMembers(channel: Channel, out: Outgoing, filter?: DeliveryFilter): void {
    this.#network.toChannel(channel, out, filter);
  }

  /** Delivers once to each user of this node sharing a channel with `user` (and `user`). */
  toLocalNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void {
    this.#network.toNeighbours(user, out, filter);
  }

  // --- events ----------------------------------------------------------------------------

  /** Applies one event in order: the state changes and this node's users are told. */
  apply(e: ClusterEvent): void {
    if (e.s > this.appliedSeq) this.appliedSeq = e.s;
    switch (e.t) {
      case "intro":
        return this.#intro(e.u);
      case "quit":
        return this.#quit(e.u, e.r);
      case "lost":
        if (e.node === this.self) return; // we were declared lost: the hub introduces us again
        for (const uid of e.us) this.#quit(uid, e.r);
        if (e.by !== undefined) { for (const uid of e.ad) this.#moved(uid, e.by); }
        this.nodes.delete(e.node);
        return;
      case "ao":
      case "off": {
        const user = this.#users.get(e.u);
        if (!user || this.#local.has(user)) return;
        if (e.t === "ao") user.alwaysOn = e.v === "1";
        else user.lastSeen = e.v ? Number(e.v) : undefined;
        return;
      }
      case "adopt":
        return this.#moved(e.u, e.by);
      case "part":
        this.#parting.delete(`${e.u} ${e.c}`);
        break;
      case "founder":
        this.#apply({ type: "founder", channel: e.c, founder: e.f });
        if (e.f === undefined) this.registry.delete(e.c);
        else this.#persist(this.#network.channel(e.c));
        return;
      case "acct":
        this.accounts.set(foldCase(e.name), { name: e.name, created: e.created });
        return;
      case "acctdrop":
        this.accounts.delete(foldCase(e.name));
        for (const c of e.cs) {
          this.registry.delete(c);
          this.#apply({ type: "founder", channel: c });
        }
        return;
    }
    const event = this.#toNetworkEvent(e);
    if (event) this.#apply(event);
  }

  /** A PART of this local user is on its way (its event has not come back yet). */
  isParting(uid: string, folded: string): boolean {
    return this.#parting.has(`${uid} ${folded}`);
  }

  /** Forgets a channel Redis no longer has (resynchronization, after its members' PARTs). */
  dropChannel(folded: string): void {
    this.#network.forgetIfEmpty(folded);
  }

  /** Replaces a channel's settings without telling anyone (resynchronization). */
  replaceSettings(folded: string, settings: WireSettings): void {
    this.#network.replaceSettings(folded, settingsFromWire(settings));
  }

  /**
   * The network event a wire event stands for, with its users found by cluster id; undefined
   * when it names a user this node does not know (its intro never came, or it quit already).
   */
  #toNetworkEvent(e: ClusterEvent): NetworkEvent | undefined {
    const now = this.#now();
    const user = "u" in e && typeof e.u === "string" ? this.#users.get(e.u) : undefined;
    switch (e.t) {
      case "nick":
        return user && { type: "nick", user, nick: e.nick, time: e.tm };
      case "away":
        return user && { type: "away", user, message: e.v, time: now };
      case "setname":
        return user && { type: "realname", user, realname: e.v, time: now };
      case "account":
        return user && { type: "account", user, account: e.v, time: now };
      case "umode":
        return user && { type: "userModes", user, modes: e.v };
      case "join": {
        const settings = settingsFromWire(e.ch);
        return user && { type: "join", user, channel: e.c, status: e.st, settings, time: e.tm };
      }
      case "part":
        return user && { type: "part", user, channel: e.c, reason: e.r, time: e.tm };
      case "kick":
        return user &&
          { type: "kick", by: e.by, target: user, channel: e.c, reason: e.r, time: e.tm };
      case "topic":
        return { type: "topic", channel: e.c, topic: e.topic, by: e.by, time: e.tm };
      case "mode": {
        const changes = e.ch.map((c) => ({
          adding: c.a,
          mode: c.m,
          param: c.p,
          member: c.u === undefined ? undefined : this.#users.get(c.u),
        }));
        return { type: "mode", channel: e.c, by: e.by, changes, time: e.tm };
      }
      case "invite": {
        const inviter = this.#users.get(e.byu);
        return user && {
          type: "invite",
          channel: e.c,
          by: e.by,
          inviter,
          target: user,
          admits: e.ad === true,
          time: e.tm,
        };
      }
      case "wallops":
        return { type: "wallops", by: e.by, text: e.text };
      case "meta": {
        const where = e.c !== undefined ? { channel: e.c } : user && { user };
        const setter = this.#users.get(e.su);
        return where &&
          { type: "metadata", ...where, key: e.k, value: e.v, by: e.by, setter, time: e.tm };
      }
      case "rename":
        if (e.to !== e.c) this.registry.delete(e.c); // saved under `to` as the network applies it
        return { type: "rename", channel: e.c, name: e.name, by: e.by, reason: e.r, time: e.tm };
      default:
        return undefined;
    }
  }

  #apply(e: NetworkEvent): void {
    this.#network.apply(e);
  }

  #intro(rec: UserRecord): void {
    const known = this.#users.get(rec.id);
    if (known) {
      if (this.#local.has(known)) return;
      this.#apply({ type: "userModes", user: known, modes: rec.modes });
      fillUser(known, rec);
      return;
    }
    const previousRun = rec.node === this.self && rec.ao === "1" && rec.r;
    if (rec.node === this.self && !previousRun) return; // a local user we no longer have
    const user = new User(nextRemoteId--, rec.hostname, this.#remoteSink(rec.id), rec.signon);
    user.registered = true;
    for (const session of user.sessions) session.registration = undefined;
    fillUser(user, rec);
    this.#addUser(user, rec.id, rec.node);
    this.nodes.add(rec.node);
    // an always-on user of this node's previous run (same node id): ours again, with no session
    if (previousRun) this.#moved(rec.id, this.self);
  }

  #addUser(user: User, uid: string, node: string): void {
    this.#users.set(uid, user);
    this.#uid.set(user, uid);
    this.#nodeOf.set(user, node);
    this.#apply({ type: "introduce", user });
  }

  /** An always-on user now belongs to `node` (adopted after its node was lost, or to attach). */
  #moved(uid: string, node: string): void {
    const user = this.#users.get(uid);
    if (!user) return;
    this.#nodeOf.set(user, node);
    this.nodes.add(node);
    if (node === this.self && !this.#local.has(user)) {
      // ours now: the session that forwarded to its old node goes; it is here in its channels
      for (const session of [...user.sessions]) user.detach(session);
      this.#local.add(user);
      this.#maxLocal = Math.max(this.#maxLocal, this.#local.size);
      this.#network.rehome(user);
      this.#adopted?.(user, uid);
    } else if (node !== this.self && this.#local.has(user)) {
      this.#local.delete(user);
      this.#network.rehome(user);
      this.#released?.(user, uid);
      for (const session of [...user.sessions]) session.sink.terminate("Moved to another server");
      user.attach(remoteSession(this.#remoteSink(uid)));
    }
  }

  #quit(uid: string, reason: string): void {
    const user = this.#users.get(uid);
    if (!user) return;
    this.#apply({ type: "quit", user, reason, time: this.#now() });
    this.#users.delete(uid);
    this.#uid.delete(user);
    this.#nodeOf.delete(user);
    this.#local.delete(user);
  }

  /** Keeps the registry copy of a registered channel in step with its live state. */
  #persist(channel: Channel | undefined): void {
    if (channel?.founder === undefined) return;
    this.registry.set(channel.folded, registrationOf(channel, channel.founder));
  }
}
