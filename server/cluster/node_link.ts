/**
 * A node's connection to the network: the Redis link, the ordered op queue, the events applied to
 * the replica in Redis's order (buffered while resynchronizing), channel subscriptions, the lease
 * and the reaper, and resynchronization after a start or an outage. The hub (cluster_hub.ts)
 * decides what to ask; this module gets it asked and applied.
 *
 * @module
 */

import { errorMessage } from "../../util/error_message.ts";
import type { Logger } from "../log.ts";
import type { User } from "../state/user.ts";
import type { ClusterMessages, OpResult } from "./cluster_messages.ts";
import { type ClusterEvent, decodeDelivery, decodeEvent, isPipeDelivery } from "./events.ts";
import { type Op, OpQueue } from "./op_queue.ts";
import { isConnectionError, type RedisLink, RedisUnavailableError } from "./redis_client.ts";
import type { Replica } from "./replica.ts";
import type { SessionPipes } from "./session_pipes.ts";
import { parseSnapshot, readMissed, resyncReplica } from "./resync.ts";
import { isAlwaysOnRecord } from "./records.ts";
import { CLUSTER_LAG } from "../metrics/counters.ts";
import {
  CHANNEL_TOPIC_PREFIX,
  channelTopic,
  EVENTS_CHANNEL,
  inboxTopic,
  PREFIX,
  type ScriptName,
} from "./scripts.ts";

/** Someone waiting for an event to be applied. */
interface Waiter {
  seq: number;
  resolve: () => void;
}

/** Events and messages kept while resynchronizing, at most. */
const MAX_BUFFER = 200_000;

/** What the link needs from its node's hub. */
export interface NodeHost {
  readonly node: string;
  readonly serverName: string;
  /** Lease of the node's liveness key. */
  readonly leaseMs: number;
  /** How long ops wait for Redis to come back before they are dropped. */
  readonly holdMs: number;
  readonly log: Logger;
  readonly replica: Replica;
  readonly messages: ClusterMessages;
  readonly pipes: SessionPipes;
  /** This node's users (registering with a claimed nick, or registered), by cluster id. */
  readonly locals: ReadonlyMap<string, User>;
  /** Why a local user left, if it did while Redis was away. */
  quitReason(uid: string): string | undefined;
  /** Introduces a local user again after Redis lost it. */
  reassert(uid: string, user: User): Promise<void>;
  /** An account was dropped (its event arrived). */
  accountDropped(name: string): void;
}

/** The link of one node. */
export class NodeLink {
  readonly #host: NodeHost;
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
  readonly #subscribed = new Set<string>();
  /** When the link was lost (catch-up reads the streams from a little before). */
  #downSince = 0;
  /** Channels with a JOIN under way here: subscribed even before a local member is in. */
  readonly #joining = new Map<string, number>();
  #waiters: Waiter[] = [];
  readonly #timers: ReturnType<typeof setInterval>[] = [];

  constructor(host: NodeHost) {
    this.#host = host;
    this.#queue = new OpQueue((op) => this.#link.script(op.name, op.args), {
      holdMs: host.holdMs,
      isConnectionError,
      onConnectionError: () => this.#down(),
    });
    CLUSTER_LAG.oldestOpAgeMs = () => this.#queue.oldestAgeMs();
  }

  /** The Redis link itself (resynchronization's scripts). */
  get redis(): RedisLink {
    return this.#link;
  }

  /** The link is connected. */
  get up(): boolean {
    return this.#link.up;
  }

  /** This node is subscribed to the topic. */
  isSubscribed(topic: string): boolean {
    return this.#subscribed.has(topic);
  }

  /** A JOIN of `folded` starts here: its messages must reach us from now on. */
  joining(folded: string): void {
    this.#joining.set(folded, (this.#joining.get(folded) ?? 0) + 1);
  }

  /** That JOIN is done (or failed): the subscription follows the members again. */
  joined(folded: string): void {
    const n = (this.#joining.get(folded) ?? 1) - 1;
    if (n > 0) this.#joining.set(folded, n);
    else this.#joining.delete(folded);
    this.syncSubscription(folded);
  }

  /**
   * Resolves once every op queued so far has been answered by Redis or dropped (its owner told);
   * undefined when none is waiting. The durability point of a PONG.
   */
  drained(): Promise<void> | undefined {
    return this.#queue.drained();
  }

  /** Attaches the Redis link (made with `linkEvents`). */
  attach(link: RedisLink): void {
    this.#link = link;
  }

  /** What the Redis link reports, routed here. */
  get linkEvents() {
    return {
      message: (topic: string, text: string) => this.#onMessage(topic, text),
      up: () => void this.resync(),
      down: () => this.#down(),
    };
  }

  /** Joins the network: lease, subscriptions, snapshot; then the timers run. */
  async start(): Promise<void> {
    await this.#resyncing;
    if (!this.#live) await this.resync();
    if (!this.#live) throw new RedisUnavailableError("could not synchronize with Redis");
    const renew = Math.max(200, Math.floor(this.#host.leaseMs / 4));
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
        this.#link.script("leave", [this.#host.node, reason]).catch(() => {}),
        new Promise((r) => timer = setTimeout(r, 2000)),
      ]);
      clearTimeout(timer);
    }
    this.#queue.clear("closing");
    CLUSTER_LAG.oldestOpAgeMs = undefined;
    this.#link.close();
  }

  /** Queues a script run; `{ ok: false }` once it is dropped (after `onDrop`). */
  op(name: ScriptName, args: (string | number)[], onDrop?: () => void): Promise<OpResult> {
    return new Promise((resolve) => {
      const op: Op = {
        name,
        args,
        at: Date.now(),
        sent: false,
        done: (value) => resolve({ ok: true, value }),
        dropped: (why) => {
          if (why !== "unavailable" && why !== "closing") {
            this.#host.log.error(`cluster: ${name} failed: ${why}`);
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
  applied(seq: number): Promise<void> {
    if (this.#live && this.#host.replica.appliedSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  #wake(all: boolean): void {
    if (this.#waiters.length === 0) return;
    const seq = this.#host.replica.appliedSeq;
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
        if (e.s <= this.#host.replica.appliedSeq) return;
        this.#apply(e);
      } else {
        const cut = text.indexOf("\n");
        const d = decodeDelivery(text.slice(cut + 1));
        if (isPipeDelivery(d)) this.#host.pipes.deliver(d);
        else this.#host.messages.deliver(topic, d, text.slice(0, cut));
      }
    } catch (err) {
      this.#host.log.error(`cluster: bad payload on ${topic}: ${errorMessage(err)}`);
    }
  }

  #apply(e: ClusterEvent): void {
    if (e.t === "lost" && e.node === this.#host.node) {
      this.#host.replica.appliedSeq = e.s;
      if (this.#closing) return;
      this.#host.log.warn("cluster: this node was declared lost (lease expired); joining again");
      void this.resync();
      return;
    }
    const touched = this.#touchedChannels(e);
    this.#host.replica.apply(e);
    if (e.t === "acctdrop") this.#host.accountDropped(e.name);
    if (e.t === "lost") this.#host.pipes.nodeLost(e.node);
    for (const c of touched) this.syncSubscription(c);
    this.#wake(false);
  }

  /** Channels whose local membership an event may change (subscriptions to review). */
  #touchedChannels(e: ClusterEvent): string[] {
    switch (e.t) {
      case "join":
      case "part":
      case "kick":
        return [e.c];
      case "rename":
        return [e.c, e.to];
      case "quit": {
        const user = this.#host.replica.byUid(e.u);
        return user && this.#host.replica.isLocal(user) ? [...user.channels.keys()] : [];
      }
      default:
        return [];
    }
  }

  /** Subscribes to a channel's messages (before its JOIN is ordered). */
  async subscribe(folded: string): Promise<void> {
    const topic = channelTopic(folded);
    if (this.#subscribed.has(topic)) return;
    this.#subscribed.add(topic);
    try {
      await this.#link.sub.subscribe(topic);
    } catch {
      this.#subscribed.delete(topic);
    }
  }

  /** Subscribes or unsubscribes as the channel's local members (or JOINs under way) say. */
  syncSubscription(folded: string): void {
    const topic = channelTopic(folded);
    const want = this.#host.replica.hasLocalMembers(folded) || this.#joining.has(folded);
    if (want === this.#subscribed.has(topic) || !this.#link.up) return;
    if (want) {
      void this.subscribe(folded);
    } else {
      this.#subscribed.delete(topic);
      this.#link.sub.unsubscribe(topic).catch(() => {});
    }
  }

  // --- internals: liveness and resynchronization -----------------------------------------

  #down(): void {
    if (this.#live || this.#downSince === 0) this.#downSince = Date.now();
    this.#live = false;
    this.#queue.pause();
  }

  async #renew(): Promise<void> {
    if (!this.#link.up || this.#closing) return;
    try {
      const known = await this.#link.script("alive", [
        this.#host.node,
        this.#host.leaseMs,
        this.#info(),
      ]);
      if (known === 0 && this.#live) {
        this.#host.log.warn("cluster: Redis had forgotten this node; joining again");
        void this.resync();
      }
    } catch (err) {
      if (!isConnectionError(err)) this.#host.log.error(`cluster: lease: ${errorMessage(err)}`);
    }
  }

  async #reap(): Promise<void> {
    if (!this.#live || this.#closing) return;
    try {
      const reaped = await this.#link.script("reap", ["node lost", this.#host.node]) as string[];
      for (const node of reaped) this.#host.log.warn(`cluster: node ${node} lost (lease expired)`);
    } catch (err) {
      if (!isConnectionError(err)) this.#host.log.error(`cluster: reaper: ${errorMessage(err)}`);
    }
  }

  #info(): string {
    return JSON.stringify({ name: this.#host.serverName, since: Date.now() });
  }

  /** Resynchronizes (once at a time; asked again meanwhile, it runs once more). */
  resync(): Promise<void> {
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
          this.#host.log.warn(`cluster: resynchronization failed: ${errorMessage(err)}`);
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
    await link.script("alive", [this.#host.node, this.#host.leaseMs, this.#info()]);
    // 1. subscribe: from here on nothing published is missed (it is buffered)
    const topics = [EVENTS_CHANNEL, inboxTopic(this.#host.node)];
    for (const user of this.#host.locals.values()) {
      for (const folded of user.channels.keys()) topics.push(channelTopic(folded));
    }
    for (const folded of this.#joining.keys()) topics.push(channelTopic(folded));
    this.#subscribed.clear();
    for (const t of topics) this.#subscribed.add(t);
    await link.sub.subscribe(...new Set(topics));
    // 2. make Redis agree with this node about its own users
    const present = new Set(await link.cmd.smembers(`${PREFIX}nu:${this.#host.node}`));
    const stale = [...present].filter((uid) => !this.#host.locals.has(uid));
    const records = stale.length > 0 ? await link.cmd.hmget(`${PREFIX}users`, ...stale) : [];
    for (const [i, uid] of stale.entries()) {
      // an always-on user of this node's previous run stays: the snapshot brings it back here
      if (isAlwaysOnRecord(records[i])) continue;
      await link.script("quit", [uid, this.#host.quitReason(uid) ?? "Connection closed"]);
    }
    for (const [uid, user] of [...this.#host.locals]) {
      if (!present.has(uid)) await this.#host.reassert(uid, user);
    }
    // users who left while Redis was away: their QUIT lines here too
    for (const user of [...this.#host.replica.localUsers()]) {
      const uid = this.#host.replica.uidOf(user)!;
      if (!this.#host.locals.has(uid)) {
        const r = this.#host.quitReason(uid) ?? "Connection closed";
        this.#host.replica.apply({ s: 0, n: this.#host.node, t: "quit", u: uid, r });
      }
    }
    // 3. the network as Redis has it, and what changed for our users
    const snap = parseSnapshot(await link.script("snapshot", []));
    if (this.#overflowed) {
      throw new RedisUnavailableError("too many messages arrived while resynchronizing");
    }
    const changes = resyncReplica(this.#host.replica, snap, Date.now(), this.#host.serverName);
    // 4. what arrived meanwhile, newer than the snapshot
    const missed = await readMissed(
      link,
      this.#host.replica,
      (topic) => this.#host.messages.lastSeen(topic),
      this.#downSince,
    );
    const buffered = this.#buffer;
    this.#buffer = [];
    this.#live = true;
    for (const [topic, wire, id] of missed) this.#host.messages.deliver(topic, wire, id);
    for (const b of buffered) this.#dispatch(b.topic, b.text);
    this.#downSince = 0;
    this.#wake(true);
    this.#host.messages.deliverAwaited();
    for (const t of [...this.#subscribed]) {
      if (t.startsWith(CHANNEL_TOPIC_PREFIX)) {
        this.syncSubscription(t.slice(CHANNEL_TOPIC_PREFIX.length));
      }
    }
    // 5. what our users did meanwhile
    this.#queue.resume();
    const how = this.#everLive ? "back in sync" : "in sync";
    this.#everLive = true;
    this.#host.log.info(
      `cluster: node ${this.#host.node} ${how}: ${snap.users.length} users, ` +
        `${snap.channels.length} channels, ${snap.nodes.length} nodes, ${changes.length} changes, ` +
        `${buffered.length} buffered, ${this.#queue.size} queued (${Date.now() - started} ms)`,
    );
  }
}
