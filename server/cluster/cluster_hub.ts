/**
 * The hub of a node in a cluster: the same `Hub` the handlers use, with Redis as the backplane.
 *
 * - State: every change goes to Redis as a Lua script (see scripts.ts) that decides it atomically
 *   and publishes an event with a global sequence number on `chat:events`. Every node applies the
 *   events, its own included, in that one order to its replica (replica.ts), which tells its
 *   local users. Handlers keep reading the replica synchronously.
 * - Delivery: a channel's messages are published on `chat:c:<channel>`, which only nodes with
 *   local members subscribe to; private messages on the recipient node's inbox. A node delivers
 *   only what comes back from Redis — the sender's echo too — so every member sees a channel's
 *   messages in the order Redis published them, and a message is stored (in the same script)
 *   before anyone receives it.
 * - Failure: each node renews a lease; a node whose lease expired is reaped (its users QUIT
 *   "node lost"). When Redis goes away, changes queue (op_queue.ts) while local users stay
 *   connected; once Redis is back the node subscribes again, re-introduces whatever Redis lost,
 *   loads a snapshot, shows its users what changed, and sends the queue. What waited longer than
 *   the hold time is reported to its sender with a NOTICE.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { msg } from "../../protocol/message.ts";
import type { ModeChange } from "../channel_modes.ts";
import {
  type DeliveryFilter,
  droppedAccountLogout,
  type HistoryCopy,
  type Hub,
  type NetworkStats,
  type Relay,
  type WhowasEntry,
} from "../hub.ts";
import type { Logger } from "../log.ts";
import { Outgoing } from "../outgoing.ts";
import { Channel } from "../state/channel.ts";
import { channelFromRegistration } from "../store/accounts.ts";
import type { User } from "../state/user.ts";
import { newChannelHistoryKey } from "../store/conversations.ts";
import { type AppliedMode, type ClusterEvent, decodeDelivery, decodeEvent } from "./events.ts";
import { type Op, OpQueue } from "./op_queue.ts";
import { isConnectionError, type RedisLink, RedisUnavailableError } from "./redis_client.ts";
import { Replica } from "./replica.ts";
import {
  CHANNEL_TOPIC_PREFIX,
  channelTopic,
  EVENTS_CHANNEL,
  inboxTopic,
  PREFIX,
  type ScriptName,
} from "./scripts.ts";
import { ClusterMessages, type OpResult } from "./cluster_messages.ts";
import { parseSnapshot, readMissed, reassert, type ReassertHost } from "./resync.ts";
import { errorMessage } from "../../util/error_message.ts";

/** How a node takes part in the cluster. */
export interface ClusterHubOptions {
  /** This node's id (letters, digits, `-`, `_`). */
  node: string;
  /** The server name of this node (WHOIS, MODE lines made up on resynchronization). */
  serverName: string;
  /** Lease of the node's liveness key; others reap the node this long after it stops. */
  leaseMs: number;
  /** How long changes wait for Redis to come back before their senders are told. */
  holdMs: number;
  /** History kept per conversation (0: no limit). */
  maxPerConversation: number;
  /** Folded names of the permanent channels, whose history outlives them. */
  permanent: ReadonlySet<string>;
  /** Bans per channel (MAXLIST): Redis refuses more, whichever node asks. */
  maxBans: number;
  log: Logger;
}

/** Someone waiting for an event to be applied. */
interface Waiter {
  seq: number;
  resolve: () => void;
}

/** Events and messages kept while resynchronizing, at most. */
const MAX_BUFFER = 200_000;

/** The cluster implementation of `Hub`. */
export class ClusterHub implements Hub {
  readonly node: string;
  readonly replica: Replica;
  readonly #o: ClusterHubOptions;
  readonly #log: Logger;
  #link!: RedisLink;
  readonly #queue: OpQueue;
  /** In sync: events are applied as they arrive (else buffered). */
  #live = false;
  #buffer: { topic: string; text: string }[] = [];
  #overflowed = false;
  #resyncing: Promise<void> | undefined;
  #again = false;
  #closing = false;
  #everLive = false;
  /** Local users (registering with a claimed nick, or registered) by cluster id. */
  readonly #locals = new Map<string, User>();
  readonly #uidOfLocal = new Map<User, string>();
  /** Registering local users by folded nick. */
  readonly #pending = new Map<string, User>();
  readonly #quitting = new Set<User>();
  readonly #quitReasons = new Map<string, string>();
  readonly #subscribed = new Set<string>();
  /** Publishing, echoes, and delivering what subscriptions bring (cluster_messages.ts). */
  readonly #messages: ClusterMessages;
  /** When the link was lost (catch-up reads the streams from a little before). */
  #downSince = 0;
  readonly #joining = new Map<string, number>();
  #waiters: Waiter[] = [];
  readonly #timers: ReturnType<typeof setInterval>[] = [];

  constructor(options: ClusterHubOptions) {
    this.#o = options;
    this.node = options.node;
    this.#log = options.log;
    this.replica = new Replica({
      self: options.node,
      serverName: options.serverName,
      remoteSink: (uid) => this.#messages.remoteSink(uid),
    });
    this.#messages = new ClusterMessages({
      node: options.node,
      replica: this.replica,
      maxPerConversation: options.maxPerConversation,
      op: (name, args, onDrop) => this.#op(name, args, onDrop),
      uidOf: (user) => this.#uidOf(user),
      localUser: (uid) => this.#locals.get(uid),
      isQuitting: (user) => this.#quitting.has(user),
      isSubscribed: (topic) => this.#subscribed.has(topic),
      notice: (user, text) => this.#notice(user, text),
    });
    this.#queue = new OpQueue((op) => this.#link.script(op.name, op.args), {
      holdMs: options.holdMs,
      isConnectionError,
      onConnectionError: () => this.#down(),
    });
  }

  /** Attaches the Redis link (made with this hub's `linkEvents`). */
  attach(link: RedisLink): void {
    this.#link = link;
  }

  /** What the Redis link reports, routed into this hub. */
  get linkEvents() {
    return {
      message: (topic: string, text: string) => this.#onMessage(topic, text),
      up: () => void this.#resync(),
      down: () => this.#down(),
    };
  }

  /** Joins the network: lease, subscriptions, snapshot; then the timers run. */
  async start(): Promise<void> {
    await this.#resyncing;
    if (!this.#live) await this.#resync();
    if (!this.#live) throw new RedisUnavailableError("could not synchronize with Redis");
    const renew = Math.max(200, Math.floor(this.#o.leaseMs / 4));
    this.#timers.push(setInterval(() => this.#renew(), renew));
    this.#timers.push(setInterval(() => this.#reap(), Math.max(200, Math.floor(renew))));
    this.#timers.push(setInterval(() => this.#queue.expire(), 250));
  }

  /** Leaves the network (our users quit on the other nodes) and closes the link. */
  async close(reason = "Server shutting down"): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    for (const t of this.#timers) clearInterval(t);
    if (this.#link.up) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#link.script("leave", [this.node, reason]).catch(() => {}),
        new Promise((r) => timer = setTimeout(r, 2000)),
      ]);
      clearTimeout(timer);
    }
    this.#queue.clear("closing");
    this.#link.close();
  }

  // --- reads -----------------------------------------------------------------------------

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

  channels(): Iterable<Channel> {
    return this.replica.channels();
  }

  stats(): NetworkStats {
    return { ...this.replica.stats(), unknown: this.#pending.size };
  }

  whowas(nick: string): readonly WhowasEntry[] {
    return this.replica.whowas(nick);
  }

  // --- users -----------------------------------------------------------------------------

  async claimNick(user: User, nick: string): Promise<boolean> {
    const uid = this.#adopt(user);
    const folded = foldCase(nick);
    const record = { ...this.replica.recordOf(user, uid, this.#o.serverName), nick, folded };
    const r = await this.#op(
      "claim",
      [uid, this.node, nick, folded, JSON.stringify(record)],
      () => this.#notice(user, "*** The network is unavailable; try again in a moment"),
    );
    if (this.#quitting.has(user)) {
      if (r.ok) this.#op("quit", [uid, "Client Quit"]);
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
    const record = this.replica.recordOf(user, uid, this.#o.serverName);
    this.#op("intro", [uid, JSON.stringify(record)]).then((r) => {
      if (r.ok && r.value === 0) void this.#resync(); // our claim was lost meanwhile
    });
  }

  async changeNick(user: User, nick: string): Promise<boolean> {
    const uid = this.#uidOfLocal.get(user);
    if (!uid) return false;
    const r = await this.#op(
      "nick",
      [uid, nick, foldCase(nick), Date.now()],
      () => this.#notice(user, "*** The network is unavailable; your nick was not changed"),
    );
    if (!r.ok) return false;
    const v = r.value as number;
    if (v > 0) {
      await this.#applied(v);
      return true;
    }
    if (v === -1) void this.#resync();
    return v === -2;
  }

  quit(user: User, reason: string): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid || this.#quitting.has(user)) return;
    this.#quitting.add(user);
    this.#locals.delete(uid);
    this.#uidOfLocal.delete(user);
    if (this.#pending.get(user.folded) === user) this.#pending.delete(user.folded);
    this.#quitReasons.set(uid, reason);
    this.#op("quit", [uid, reason]).then(() => this.#quitReasons.delete(uid));
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
    let added = "", removed = "";
    for (const m of add) {
      if (!user.modes.has(m)) {
        user.modes.add(m);
        added += m;
      }
    }
    for (const m of remove) if (user.modes.delete(m)) removed += m;
    if (added || removed) this.#uset(user, "umode", [...user.modes].sort().join(""));
    return (added ? `+${added}` : "") + (removed ? `-${removed}` : "");
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
    this.#joining.set(folded, (this.#joining.get(folded) ?? 0) + 1);
    try {
      // subscribed before the JOIN is ordered: every later message of the channel reaches us
      if (this.#link.up) await this.#subscribe(folded);
      const account = user.account === undefined ? "" : foldCase(user.account);
      const now = Date.now();
      // used only if this JOIN creates the channel
      const hk = newChannelHistoryKey(folded, this.#o.permanent.has(folded), now);
      const r = await this.#op(
        "join",
        [uid, folded, name, now, account, user.folded, this.node, hk],
        () => this.#notice(user, `*** Could not join ${name}: the network is unavailable`),
      );
      if (r.ok && (r.value as number) > 0) await this.#applied(r.value as number);
      else if (r.ok && r.value === -3) void this.#resync();
    } finally {
      const n = (this.#joining.get(folded) ?? 1) - 1;
      if (n > 0) this.#joining.set(folded, n);
      else this.#joining.delete(folded);
      this.#syncSubscription(folded);
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
    this.#op(
      "part",
      [uid, channel.folded, reason ?? "", reason === undefined ? "0" : "1", this.node, Date.now()],
      line,
    ).then((r) => {
      if (r.ok && r.value === -1) {
        line(); // already out (Redis lost the channel meanwhile)
        this.replica.forgetIfEmpty(channel.folded);
      }
      if (!r.ok) this.replica.forgetIfEmpty(channel.folded);
      this.#syncSubscription(channel.folded);
    });
  }

  kick(by: User, channel: Channel, target: User, reason: string): void {
    const uid = this.#uidOf(target);
    if (!uid) return;
    this.#op(
      "kick",
      [uid, channel.folded, by.source, reason, this.node, Date.now()],
      () => this.#unavailable(by, `kick ${target.nick}`),
    );
  }

  setTopic(by: User, channel: Channel, text: string): void {
    this.#op(
      "topic",
      [channel.folded, text, by.source, Date.now(), this.node],
      () => this.#unavailable(by, `set the topic of ${channel.name}`),
    );
  }

  async changeModes(by: User, channel: Channel, changes: ModeChange[]): Promise<void> {
    const list: AppliedMode[] = [];
    for (const c of changes) {
      if (c.mode === "o" || c.mode === "v") {
        const member = c.param === undefined ? undefined : this.findUser(c.param);
        const uid = member && this.#uidOf(member);
        if (member && uid) list.push({ a: c.adding, m: c.mode, p: member.nick, u: uid });
      } else {
        list.push(
          c.param === undefined ? { a: c.adding, m: c.mode } : {
            a: c.adding,
            m: c.mode,
            p: c.param,
          },
        );
      }
    }
    if (list.length === 0) return;
    const r = await this.#op(
      "mode",
      [channel.folded, by.source, Date.now(), JSON.stringify(list), this.node, this.#o.maxBans],
      () => this.#unavailable(by, `change the modes of ${channel.name}`),
    );
    // the next MODE of this user is checked against these changes (the ban-list limit)
    if (r.ok && (r.value as number) > 0) await this.#applied(r.value as number);
  }

  invite(by: User, channel: Channel, target: User, admits: boolean): void {
    const uid = this.#uidOf(target);
    if (!uid) return;
    this.#op(
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
    this.#op("founder", [channel.folded, f, this.node]);
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

  toUsersWithMode(mode: string, out: Outgoing): void {
    if (mode === "w" && out.message.command === "WALLOPS") {
      this.#op("wallops", [out.message.source ?? "", out.message.params[0] ?? "", this.node]);
      return;
    }
    for (const u of this.replica.localUsers()) if (u.modes.has(mode)) u.send(out);
  }

  // --- for the stores over Redis ---------------------------------------------------------

  /** Runs a script through the ordered queue (accounts); `{ ok: false }` if it was dropped. */
  run(name: ScriptName, args: (string | number)[]): Promise<OpResult> {
    return this.#op(name, args);
  }

  /** Resolves once the event with this sequence number has been applied here. */
  settled(seq: number): Promise<void> {
    return this.#applied(seq);
  }

  /**
   * Resolves once every op queued so far has been answered by Redis or dropped (its owner told);
   * undefined when none is waiting. The durability point of a PONG.
   */
  drained(): Promise<void> | undefined {
    return this.#queue.drained();
  }

  // --- internals: local users ------------------------------------------------------------

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

  #uset(user: User, kind: "away" | "setname" | "account" | "umode", value?: string): void {
    const uid = this.#uidOfLocal.get(user);
    if (!uid || !user.registered) return;
    this.#op("uset", [uid, kind, value === undefined ? "0" : "1", value ?? ""]);
  }

  #notice(user: User, text: string): void {
    if (this.#quitting.has(user)) return;
    user.send(new Outgoing(msg("NOTICE", [user.nick, text], this.#o.serverName)));
  }

  #unavailable(user: User, what: string): void {
    this.#notice(user, `*** Could not ${what}: the network is unavailable`);
  }

  // --- internals: ops, events, subscriptions ---------------------------------------------

  #op(name: ScriptName, args: (string | number)[], onDrop?: () => void): Promise<OpResult> {
    return new Promise((resolve) => {
      const op: Op = {
        name,
        args,
        at: Date.now(),
        sent: false,
        done: (value) => resolve({ ok: true, value }),
        dropped: (why) => {
          if (why !== "unavailable" && why !== "closing") {
            this.#log.error(`cluster: ${name} failed: ${why}`);
          }
          onDrop?.();
          resolve({ ok: false });
        },
      };
      if (this.#closing) op.dropped("closing");
      else this.#queue.push(op);
    });
  }

  /** Resolves once the event with this sequence number is applied (or a resync covered it). */
  #applied(seq: number): Promise<void> {
    if (this.#live && this.replica.appliedSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  #wake(all: boolean): void {
    if (this.#waiters.length === 0) return;
    const seq = this.replica.appliedSeq;
    const keep: Waiter[] = [];
    for (const w of this.#waiters) all || w.seq <= seq ? w.resolve() : keep.push(w);
    this.#waiters = keep;
  }

  #onMessage(topic: string, text: string): void {
    if (!this.#live) {
      if (this.#buffer.length < MAX_BUFFER) this.#buffer.push({ topic, text });
      else this.#overflowed = true;
      return;
    }
    this.#dispatch(topic, text);
  }

  #dispatch(topic: string, text: string): void {
    try {
      if (topic === EVENTS_CHANNEL) {
        const e = decodeEvent(text);
        if (e.s <= this.replica.appliedSeq) return;
        this.#apply(e);
      } else {
        const cut = text.indexOf("\n");
        this.#messages.deliver(topic, decodeDelivery(text.slice(cut + 1)), text.slice(0, cut));
      }
    } catch (err) {
      this.#log.error(`cluster: bad payload on ${topic}: ${errorMessage(err)}`);
    }
  }

  #apply(e: ClusterEvent): void {
    if (e.t === "lost" && e.node === this.node) {
      this.replica.appliedSeq = e.s;
      if (this.#closing) return;
      this.#log.warn("cluster: this node was declared lost (lease expired); joining again");
      void this.#resync();
      return;
    }
    const touched = this.#touchedChannels(e);
    this.replica.apply(e);
    if (e.t === "acctdrop") this.accountDropped(e.name);
    for (const c of touched) this.#syncSubscription(c);
    this.#wake(false);
  }

  /** Channels whose local membership an event may change (subscriptions to review). */
  #touchedChannels(e: ClusterEvent): string[] {
    switch (e.t) {
      case "join":
      case "part":
      case "kick":
        return [e.c];
      case "quit": {
        const user = this.replica.byUid(e.u);
        return user && this.replica.isLocal(user) ? [...user.channels.keys()] : [];
      }
      default:
        return [];
    }
  }

  async #subscribe(folded: string): Promise<void> {
    const topic = channelTopic(folded);
    if (this.#subscribed.has(topic)) return;
    this.#subscribed.add(topic);
    try {
      await this.#link.sub.subscribe(topic);
    } catch {
      this.#subscribed.delete(topic);
    }
  }

  #syncSubscription(folded: string): void {
    const topic = channelTopic(folded);
    const want = this.replica.hasLocalMembers(folded) || this.#joining.has(folded);
    if (want === this.#subscribed.has(topic) || !this.#link.up) return;
    if (want) {
      void this.#subscribe(folded);
    } else {
      this.#subscribed.delete(topic);
      this.#link.sub.unsubscribe(topic).catch(() => {});
    }
  }

  // --- internals: liveness and resynchronization -----------------------------------------

  #reassertHost(): ReassertHost {
    return {
      link: this.#link,
      replica: this.replica,
      node: this.node,
      serverName: this.#o.serverName,
      unclaimed: (user) => this.#pending.delete(user.folded),
      notice: (user, text) => this.#notice(user, text),
    };
  }

  #down(): void {
    if (this.#live || this.#downSince === 0) this.#downSince = Date.now();
    this.#live = false;
    this.#queue.pause();
  }

  async #renew(): Promise<void> {
    if (!this.#link.up || this.#closing) return;
    try {
      const known = await this.#link.script("alive", [this.node, this.#o.leaseMs, this.#info()]);
      if (known === 0 && this.#live) {
        this.#log.warn("cluster: Redis had forgotten this node; joining again");
        void this.#resync();
      }
    } catch (err) {
      if (!isConnectionError(err)) this.#log.error(`cluster: lease: ${errorMessage(err)}`);
    }
  }

  async #reap(): Promise<void> {
    if (!this.#live || this.#closing) return;
    try {
      const reaped = await this.#link.script("reap", ["node lost"]) as string[];
      for (const node of reaped) this.#log.warn(`cluster: node ${node} lost (lease expired)`);
    } catch (err) {
      if (!isConnectionError(err)) this.#log.error(`cluster: reaper: ${errorMessage(err)}`);
    }
  }

  #info(): string {
    return JSON.stringify({ name: this.#o.serverName, since: Date.now() });
  }

  /** Resynchronizes (once at a time; asked again meanwhile, it runs once more). */
  #resync(): Promise<void> {
    this.#live = false;
    this.#queue.pause();
    if (this.#resyncing) {
      this.#again = true;
      return this.#resyncing;
    }
    this.#resyncing = (async () => {
      let attempts = 0;
      do {
        this.#again = false;
        if (!this.#link.up || this.#closing) return;
        try {
          await this.#resyncOnce();
        } catch (err) {
          this.#live = false;
          this.#queue.pause();
          this.#log.warn(`cluster: resynchronization failed: ${errorMessage(err)}`);
          if (!this.#link.up || this.#closing || ++attempts > 20) return;
          this.#again = true;
          await new Promise((r) => setTimeout(r, 250));
        }
      } while (this.#again);
    })().finally(() => this.#resyncing = undefined);
    return this.#resyncing;
  }

  async #resyncOnce(): Promise<void> {
    const started = Date.now();
    this.#buffer = [];
    this.#overflowed = false;
    const link = this.#link;
    await link.loadScripts();
    await link.script("alive", [this.node, this.#o.leaseMs, this.#info()]);
    // 1. subscribe: from here on nothing published is missed (it is buffered)
    const topics = [EVENTS_CHANNEL, inboxTopic(this.node)];
    for (const user of this.#locals.values()) {
      for (const folded of user.channels.keys()) topics.push(channelTopic(folded));
    }
    for (const folded of this.#joining.keys()) topics.push(channelTopic(folded));
    this.#subscribed.clear();
    for (const t of topics) this.#subscribed.add(t);
    await link.sub.subscribe(...new Set(topics));
    // 2. make Redis agree with this node about its own users
    const present = new Set(await link.cmd.smembers(`${PREFIX}nu:${this.node}`));
    for (const uid of present) {
      if (!this.#locals.has(uid)) {
        await link.script("quit", [uid, this.#quitReasons.get(uid) ?? "Connection closed"]);
      }
    }
    for (const [uid, user] of [...this.#locals]) {
      if (!present.has(uid)) await reassert(this.#reassertHost(), uid, user);
    }
    // users who left while Redis was away: their QUIT lines here too
    for (const user of [...this.replica.localUsers()]) {
      const uid = this.replica.uidOf(user)!;
      if (!this.#locals.has(uid)) {
        const r = this.#quitReasons.get(uid) ?? "Connection closed";
        this.replica.apply({ s: 0, n: this.node, t: "quit", u: uid, r });
      }
    }
    // 3. the network as Redis has it, and what changed for our users
    const snap = parseSnapshot(await link.script("snapshot", []));
    if (this.#overflowed) {
      throw new RedisUnavailableError("too many messages arrived while resynchronizing");
    }
    const changes = this.replica.resync(snap);
    // 4. what arrived meanwhile, newer than the snapshot
    const missed = await readMissed(
      link,
      this.replica,
      (topic) => this.#messages.lastSeen(topic),
      this.#downSince,
    );
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#live = true;
    for (const [topic, wire, id] of missed) this.#messages.deliver(topic, wire, id);
    for (const b of buffered) this.#dispatch(b.topic, b.text);
    this.#downSince = 0;
    this.#wake(true);
    this.#messages.deliverAwaited();
    for (const t of [...this.#subscribed]) {
      if (t.startsWith(CHANNEL_TOPIC_PREFIX)) {
        this.#syncSubscription(t.slice(CHANNEL_TOPIC_PREFIX.length));
      }
    }
    // 5. what our users did meanwhile
    this.#queue.resume();
    const how = this.#everLive ? "back in sync" : "in sync";
    this.#everLive = true;
    this.#log.info(
      `cluster: node ${this.node} ${how}: ${snap.users.length} users, ` +
        `${snap.channels.length} channels, ${snap.nodes.length} nodes, ${changes.length} changes, ` +
        `${buffered.length} buffered, ${this.#queue.size} queued (${Date.now() - started} ms)`,
    );
  }
}

/** The `Outgoing` of a published message. */
