/**
 * The hub of a node in a cluster: the same `Hub` the handlers use, with Redis as the backplane.
 *
 * - State: every change is a Lua script (scripts.ts) that decides it atomically and publishes an
 *   event with a global sequence number on `chat:events`. Every node applies the events, its own
 *   included, in that one order to its replica (replica.ts), with the same `Network.apply` as the
 *   single process (network/network.ts), telling its local users. Handlers read the replica.
 * - Delivery: a channel's messages are published on `chat:c:<channel>`, which only nodes with
 *   local members subscribe to; private messages on the recipient node's inbox. A node delivers
 *   only what comes back from Redis (the sender's echo too), so every member sees a channel's
 *   messages in one order, each stored (in the same script) before anyone receives it. A
 *   connection whose account's user is on another node moves there (session_pipes.ts).
 * - Failure: each node renews a lease; a node whose lease expired is reaped (its users QUIT
 *   "node lost", its always-on users adopted by the reaper). While Redis is away, changes queue
 *   (op_queue.ts) and local users stay connected; once it is back the node re-introduces what
 *   Redis lost, loads a snapshot, shows its users what changed, and sends the queue. What waited
 *   past the hold time is reported to its sender with a NOTICE.
 *
 * This module decides what to ask Redis for each `Hub` operation; node_link.ts gets it asked and
 * the events applied, cluster_messages.ts carries messages, resync.ts catches up after outages.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import { awayOnPresence, OFFLINE_AWAY } from "../always_on.ts";
import type { ModeChange } from "../channel_modes.ts";
import {
  type DeliveryFilter,
  disconnectUser,
  droppedAccountLogout,
  type HistoryCopy,
  type Hub,
  type NetworkStats,
  type Relay,
  type WhowasEntry,
} from "../hub.ts";
import { Outgoing } from "../outgoing.ts";
import { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { PipeSocket, SessionPipe } from "../state/session.ts";
import { channelFromRegistration, newChannelSettings } from "../network/rules.ts";
import { Monitors } from "../network/monitors.ts";
import { appliedModes, settingsToWire } from "./events.ts";
import type { RedisLink } from "./redis_client.ts";
import { Replica } from "./replica.ts";
import { renameInCluster } from "./rename.ts";
import { setMetadataInCluster } from "./metadata.ts";
import type { ScriptName, UserField } from "./scripts.ts";
import { ClusterMessages, type OpResult } from "./cluster_messages.ts";
import { NodeLink } from "./node_link.ts";
import { recordOf } from "./records.ts";
import { reassert, type ReassertHost } from "./resync.ts";
import type { ClusterHubOptions } from "./hub_options.ts";
import { type ServeMoved, SessionPipes } from "./session_pipes.ts";
import type { MovedSession } from "../moved_session.ts";

/** The cluster implementation of `Hub`. */
export class ClusterHub implements Hub {
  readonly node: string;
  readonly replica: Replica;
  readonly monitors = new Monitors();
  readonly #o: ClusterHubOptions;
  /** The link, op queue, events, subscriptions and resynchronization (node_link.ts). */
  readonly #net: NodeLink;
  /** Local users (registering with a claimed nick, or registered) by cluster id. */
  readonly #locals = new Map<string, User>();
  readonly #uidOfLocal = new Map<User, string>();
  /** Registering local users by folded nick. */
  readonly #pending = new Map<string, User>();
  readonly #quitting = new Set<User>();
  readonly #quitReasons = new Map<string, string>();
  /** Publishing, echoes, and delivering what subscriptions bring (cluster_messages.ts). */
  readonly #messages: ClusterMessages;
  /** Connections moved to their users' nodes, both ends (session_pipes.ts). */
  readonly #pipes: SessionPipes;
  /** RENAME (the rules first) and METADATA SET: Redis decides (rename.ts, metadata.ts). */
  readonly rename: Hub["rename"] = (...a) => renameInCluster(this, this.#o.permanent, ...a);
  readonly setMetadata: Hub["setMetadata"] = (...a) => setMetadataInCluster(this, ...a);

  constructor(options: ClusterHubOptions) {
    this.#o = options;
    this.node = options.node;
    this.replica = new Replica({
      self: options.node,
      monitors: this.monitors,
      remoteSink: (uid) => this.#messages.remoteSink(uid),
      adopted: (user, uid) => this.#adopted(user, uid),
      released: (user, uid) => {
        this.#uidOfLocal.delete(user);
        this.#locals.delete(uid);
      },
    });
    this.#messages = new ClusterMessages({
      node: options.node,
      replica: this.replica,
      maxPerConversation: options.maxPerConversation,
      op: (name, args, onDrop) => this.#net.op(name, args, onDrop),
      uidOf: (user) => this.#uidOf(user),
      localUser: (uid) => this.#locals.get(uid),
      disconnect: (user, reason) => disconnectUser(this, user, reason),
      isQuitting: (user) => this.#quitting.has(user),
      isSubscribed: (topic) => this.#net.isSubscribed(topic),
      notice: (user, text) => this.#notice(user, text),
    });
    this.#pipes = new SessionPipes(
      options.node,
      (node, d, onDrop) => this.#messages.toNode(node, d, onDrop),
    );
    this.#net = new NodeLink({
      node: options.node,
      serverName: options.serverName,
      leaseMs: options.leaseMs,
      holdMs: options.holdMs,
      log: options.log,
      replica: this.replica,
      messages: this.#messages,
      pipes: this.#pipes,
      locals: this.#locals,
      quitReason: (uid) => this.#quitReasons.get(uid),
      reassert: (uid, user) => reassert(this.#reassertHost(), uid, user),
      accountDropped: (name) => this.accountDropped(name),
    });
  }

  /** Attaches the Redis link (made with `linkEvents`). */
  attach(link: RedisLink): void {
    this.#net.attach(link);
  }

  /** What the Redis link reports, routed into this node. */
  get linkEvents(): NodeLink["linkEvents"] {
    return this.#net.linkEvents;
  }

  /** Joins the network: lease, subscriptions, snapshot; then the timers run. */
  start(): Promise<void> {
    return this.#net.start();
  }

  /** Leaves the network (our users quit on the other nodes) and closes the link. */
  close(reason?: string): Promise<void> {
    return this.#net.close(reason);
  }

  findUser(nick: string): User | undefined {
    const folded = foldCase(nick);
    return this.replica.userByNick(folded) ?? this.#pending.get(folded);
  }

  /** A live channel, or a registered one (empty) as the registry keeps it. */
  findChannel(name: string): Channel | undefined {
    const folded = foldCase(name);
    const live = this.replica.channel(folded);
    if (live) return live;
    const saved = this.replica.registry.get(folded);
    return saved && channelFromRegistration(saved);
  }

  users(): Iterable<User> {
    return this.replica.users();
  }

  accountUser(account: string, besides?: User): User | undefined {
    return this.replica.accountUser(account, besides);
  }

  channels(): Iterable<Channel> {
    return this.replica.channels();
  }

  stats(): NetworkStats {
    return this.replica.stats();
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.replica.whowas(nick);
  }

  // --- users -----------------------------------------------------------------------------

  async claimNick(user: User, nick: string): Promise<boolean> {
    const uid = this.#adopt(user);
    const folded = foldCase(nick);
    const record = { ...recordOf(user, uid, this.node, this.#o.serverName), nick, folded };
    const r = await this.#net.op(
      "claim",
      [uid, this.node, nick, folded, JSON.stringify(record)],
      () => this.#notice(user, "*** The network is unavailable; try again in a moment"),
    );
    if (this.#quitting.has(user)) {
      if (r.ok) this.#net.op("quit", [uid, "Client Quit"]);
      return false;
    }
    if (!r.ok || r.value !== 1) return false;
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    user.setNick(nick);
    this.#pending.set(folded, user);
    return true;
  }

  register(user: User): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid || this.#quitting.has(user)) return;
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    this.replica.addLocal(user, uid);
    const record = recordOf(user, uid, this.node, this.#o.serverName);
    this.#net.op("intro", [uid, JSON.stringify(record)]).then((r) => {
      if (r.ok && r.value === 0) void this.#net.resync(); // our claim was lost meanwhile
    });
  }

  async changeNick(user: User, nick: string): Promise<boolean> {
    const uid = this.#uidOfLocal.get(user);
    if (!uid) return false;
    const r = await this.#net.op(
      "nick",
      [uid, nick, foldCase(nick), Date.now()],
      () => this.#notice(user, "*** The network is unavailable; your nick was not changed"),
    );
    if (!r.ok) return false;
    const v = r.value as number;
    if (v > 0) await this.#net.applied(v);
    else if (v === -1) void this.#net.resync();
    return v > 0 || v === -2;
  }

  quit(user: User, reason: string): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid || this.#quitting.has(user)) return;
    this.#quitting.add(user);
    this.#locals.delete(uid);
    this.#uidOfLocal.delete(user);
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    this.#quitReasons.set(uid, reason);
    this.#net.op("quit", [uid, reason]).then(() => this.#quitReasons.delete(uid));
  }

  /** `at`: when its last session ended (now, or when its lost node may have died). */
  setPresent(user: User, present: boolean, at = Date.now()): void {
    const away = awayOnPresence(user, present, at);
    if (away) this.setAway(user, away.message);
    // other nodes may adopt it while it has no session (bringHere)
    this.#uset(user, "off", user.lastSeen === undefined ? undefined : String(user.lastSeen));
  }

  async bringHere(user: User): Promise<boolean> {
    if (this.replica.isLocal(user)) return true;
    const uid = this.replica.uidOf(user);
    if (!uid) return false;
    const r = await this.#net.op("adopt", [uid, this.node]);
    if (r.ok && typeof r.value === "number" && r.value > 0) await this.#net.applied(r.value);
    return this.replica.isLocal(user);
  }

  moveSession(owner: User, state: MovedSession, socket: PipeSocket): SessionPipe | undefined {
    const node = this.replica.nodeOf(owner);
    return node === undefined ? undefined : this.#pipes.open(node, state, socket);
  }

  servesMoved(serve: ServeMoved): void {
    this.#pipes.serve = serve;
  }

  /** Redis keeps always-on users: marked `ao`, a lost node's are adopted, not quit. */
  keepAlwaysOn(user: User): void {
    this.#uset(user, "ao", user.alwaysOn ? "1" : undefined);
  }

  setAway(user: User, message: string | undefined): void {
    user.away = message;
    this.#uset(user, "away", message);
  }

  setRealname(user: User, realname: string): void {
    user.realname = realname;
    this.#uset(user, "setname", realname);
  }

  setUserModes(user: User, add: string, remove: string): string {
    const change = this.replica.setOwnModes(user, add, remove);
    if (change) this.#uset(user, "umode", user.modes);
    return change;
  }

  setAccount(user: User, account: string | undefined): void {
    user.account = account;
    this.#uset(user, "account", account);
  }

  // --- channels --------------------------------------------------------------------------

  async join(user: User, name: string): Promise<Channel> {
    const folded = foldCase(name);
    const uid = this.#uidOfLocal.get(user);
    if (!uid) return this.replica.channel(folded) ?? new Channel(name);
    this.#net.joining(folded);
    try {
      // subscribed before the JOIN is ordered: every later message of the channel reaches us
      if (this.#net.up) await this.#net.subscribe(folded);
      const account = user.account === undefined ? "" : foldCase(user.account);
      const now = Date.now();
      // used only if this JOIN creates the channel
      const fresh = newChannelSettings(name, folded, this.#o.permanent.has(folded), now);
      const r = await this.#net.op(
        "join",
        [uid, folded, now, account, user.folded, this.node, JSON.stringify(settingsToWire(fresh))],
        () => this.#notice(user, `*** Could not join ${name}: the network is unavailable`),
      );
      if (r.ok && (r.value as number) > 0) await this.#net.applied(r.value as number);
      else if (r.ok && r.value === -3) void this.#net.resync();
    } finally {
      this.#net.joined(folded);
    }
    return this.replica.channel(folded) ?? new Channel(name);
  }

  part(user: User, channel: Channel, reason: string | undefined): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid) return;
    // out of the channel at once, so a quick JOIN again works; the PART line comes from Redis
    this.replica.dropLocalMembership(user, channel);
    const params = reason === undefined ? [channel.name] : [channel.name, reason];
    const line = () =>
      user.send(new Outgoing(msg("PART", params, user.source), { time: Date.now() }));
    this.#net.op(
      "part",
      [uid, channel.folded, reason ?? "", reason === undefined ? "0" : "1", this.node, Date.now()],
      line,
    ).then((r) => {
      if (r.ok && r.value === -1) {
        line(); // already out (Redis lost the channel meanwhile)
        this.replica.forgetIfEmpty(channel.folded);
      }
      if (!r.ok) this.replica.forgetIfEmpty(channel.folded);
      this.#net.syncSubscription(channel.folded);
    });
  }

  kick(by: User, channel: Channel, target: User, reason: string): void {
    const uid = this.#uidOf(target);
    if (!uid) return;
    this.#net.op(
      "kick",
      [uid, channel.folded, by.source, reason, this.node, Date.now()],
      () => this.#unavailable(by, `kick ${target.nick}`),
    );
  }

  setTopic(by: User, channel: Channel, text: string): void {
    this.#net.op(
      "topic",
      [channel.folded, text, by.source, Date.now(), this.node],
      () => this.#unavailable(by, `set the topic of ${channel.name}`),
    );
  }

  async changeModes(by: User, channel: Channel, changes: ModeChange[]): Promise<void> {
    const list = appliedModes(changes, (nick) => {
      const member = this.findUser(nick);
      const uid = member && this.#uidOf(member);
      return member && uid ? { nick: member.nick, uid } : undefined;
    });
    if (list.length === 0) return;
    const r = await this.#net.op(
      "mode",
      [channel.folded, by.source, Date.now(), JSON.stringify(list), this.node, this.#o.maxBans],
      () => this.#unavailable(by, `change the modes of ${channel.name}`),
    );
    // the next MODE of this user is checked against these changes (the ban-list limit)
    if (r.ok && (r.value as number) > 0) await this.#net.applied(r.value as number);
  }

  invite(by: User, channel: Channel, target: User, admits: boolean): void {
    const uid = this.#uidOf(target);
    if (!uid) return;
    this.#net.op(
      "invite",
      [
        channel.folded,
        target.folded,
        uid,
        by.source,
        this.#uidOf(by) ?? "",
        this.node,
        Date.now(),
        admits ? "1" : "0",
      ],
      () => this.#unavailable(by, `invite ${target.nick}`),
    );
  }

  setFounder(channel: Channel, founder: string | undefined): void {
    const f = founder === undefined ? "" : foldCase(founder);
    this.#net.op("founder", [channel.folded, f, this.node]);
  }

  /** Logs out this node's users of a dropped account (the replica drops its channels' founder). */
  accountDropped(account: string): void {
    const folded = foldCase(account);
    for (const user of [...this.replica.localUsers()]) {
      if (user.account === undefined || foldCase(user.account) !== folded) continue;
      this.setAccount(user, undefined);
      user.send(droppedAccountLogout(user, account, this.#o.serverName));
    }
  }

  // --- delivery --------------------------------------------------------------------------

  relay(r: Relay): void {
    this.#messages.relay(r);
  }

  /** Stores a history copy without publishing anything. */
  store(copy: HistoryCopy): void {
    this.#messages.store(copy);
  }

  toNeighbours(user: User, out: Outgoing, filter?: DeliveryFilter): void {
    this.replica.toLocalNeighbours(user, out, filter);
  }

  wallops(by: User, text: string): void {
    this.#net.op("wallops", [by.source, text, this.node]);
  }

  /** Runs a script through the ordered queue (accounts); `{ ok: false }` if it was dropped. */
  run(name: ScriptName, args: (string | number)[]): Promise<OpResult> {
    return this.#net.op(name, args);
  }

  /** Resolves once the event with this sequence number has been applied here. */
  settled(seq: number): Promise<void> {
    return this.#net.applied(seq);
  }

  /**
   * Resolves once every op queued so far has been answered by Redis or dropped (its owner told);
   * undefined when none is waiting. The durability point of a PONG.
   */
  drained(): Promise<void> | undefined {
    return this.#net.drained();
  }

  /** Gives a local user its cluster id and the echo gate in front of its session. */
  #adopt(user: User): string {
    let uid = this.#uidOfLocal.get(user);
    if (uid) return uid;
    uid = `${this.node}/${user.id}`;
    this.#uidOfLocal.set(user, uid);
    this.#locals.set(uid, user);
    return uid;
  }

  #uidOf(user: User): string | undefined {
    return this.#uidOfLocal.get(user) ?? this.replica.uidOf(user);
  }

  /**
   * An always-on user of a lost node is ours now (replica.ts): local, with no session, away,
   * and this node hears its channels, for the session that attaches here next.
   */
  #adopted(user: User, uid: string): void {
    this.#uidOfLocal.set(user, uid);
    this.#locals.set(uid, user);
    user.alwaysOn = true;
    // from a lost node: offline since it may have died (catch-up covers it), unless marked so
    if (user.lastSeen === undefined) this.setPresent(user, false, Date.now() - 2 * this.#o.leaseMs);
    else user.awayOffline = user.away === OFFLINE_AWAY;
    for (const folded of user.channels.keys()) void this.#net.subscribe(folded);
    this.#o.log.info(`cluster: adopted always-on user ${user.nick} of a lost node`);
  }

  #uset(user: User, kind: UserField, value?: string): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid || !user.registered) return;
    this.#net.op("uset", [uid, kind, value === undefined ? "0" : "1", value ?? ""]);
  }

  #notice(user: User, text: string): void {
    if (this.#quitting.has(user)) return;
    user.send(new Outgoing(msg("NOTICE", [user.nick, text], this.#o.serverName)));
  }

  #unavailable(user: User, what: string): void {
    this.#notice(user, `*** Could not ${what}: the network is unavailable`);
  }

  #reassertHost(): ReassertHost {
    return {
      link: this.#net.redis,
      replica: this.replica,
      node: this.node,
      serverName: this.#o.serverName,
      unclaimed: (user) => this.#pending.delete(user.folded),
      notice: (user, text) => this.#notice(user, text),
    };
  }
}
