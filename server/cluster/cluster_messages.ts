/**
 * A cluster node's message path: a user's message published through the `msg` script with its
 * history copy (stored before anyone receives it), the sender's echo given once Redis answers,
 * and what arrives from subscriptions delivered once (retries after an outage are dropped by
 * msgid). The hub (cluster_hub.ts) owns the link, the op queue and the subscriptions.
 *
 * @module
 */

import { msg } from "../../protocol/message.ts";
import { echoSessions, type HistoryCopy, type Relay, relayFilter } from "../hub.ts";
import { Outgoing } from "../outgoing.ts";
import type { Session, Sink } from "../state/session.ts";
import type { User } from "../state/user.ts";
import type { Delivery, KillRequest, WireMessage } from "./events.ts";
import type { Replica } from "./replica.ts";
import { CHANNEL_TOPIC_PREFIX, channelTopic, inboxTopic, type ScriptName } from "./scripts.ts";
import { COUNTERS } from "../metrics/counters.ts";

/** The result of an op: Redis's answer, or dropped. */
export type OpResult = { ok: true; value: unknown } | { ok: false };

/** The echo a sender's sessions are owed once its message is back from Redis (`echoSessions`). */
interface Echo {
  user: User;
  sessions: readonly Session[];
  out: Outgoing;
  /** The sending session, which counts it as owed (`Session.owesEcho`) until given or dropped. */
  owed?: Session;
}

/** Gives an echo to each of its sessions. */
function giveEcho(echo: Pick<Echo, "user" | "sessions" | "owed">, out: Outgoing): void {
  for (const session of echo.sessions) echo.user.sendTo(session, out);
  settleEcho(echo);
}

/** An owed echo was given or will never be: its sessions stop waiting for it. */
function settleEcho(echo: Pick<Echo, "owed">): void {
  echo.owed?.echoSettled();
  echo.owed = undefined;
}

/** msgids remembered to drop a message delivered twice (a retry after an outage). */
const RECENT_IDS = 16_384;

/** An insertion-ordered set of the last `max` ids. */
class RecentIds {
  readonly #ids = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  add(id: string): void {
    this.#ids.add(id);
    if (this.#ids.size > this.#max) this.#ids.delete(this.#ids.values().next().value!);
  }
}

/** What the message path needs from its node's hub. */
export interface MessageHost {
  readonly node: string;
  readonly replica: Replica;
  /** History kept per conversation (0: no limit). */
  readonly maxPerConversation: number;
  /** Queues a script run; `onDrop` when it is given up (Redis away past the hold). */
  op(name: ScriptName, args: (string | number)[], onDrop?: () => void): Promise<OpResult>;
  uidOf(user: User): string | undefined;
  /** A user of this node by cluster id. */
  localUser(uid: string): User | undefined;
  /** Ends a local user's connections (hub.ts `disconnectUser`). */
  disconnect(user: User, reason: string): void;
  /** The user is leaving: nothing more is said to them. */
  isQuitting(user: User): boolean;
  /** This node is subscribed to the topic (its messages come back through it). */
  isSubscribed(topic: string): boolean;
  notice(user: User, text: string): void;
}

/** The message path of one node. */
export class ClusterMessages {
  readonly #host: MessageHost;
  readonly #echoes = new Map<string, Echo>();
  /** Our messages Redis accepted that our channel subscription has not brought back yet. */
  readonly #awaitingReturn = new Map<string, { topic: string; wire: WireMessage }>();
  readonly #recent = new RecentIds(RECENT_IDS);
  /** Channel topic → stream id of the last stored message delivered from it (catch-up). */
  readonly #lastSeen = new Map<string, string>();

  constructor(host: MessageHost) {
    this.#host = host;
  }

  /** Stream id of the last stored message delivered from a channel topic (catch-up reads on). */
  lastSeen(topic: string): string | undefined {
    return this.#lastSeen.get(topic);
  }

  /** After a resynchronization: our accepted messages that never came back are delivered now. */
  deliverAwaited(): void {
    for (const [id, { topic, wire }] of [...this.#awaitingReturn]) {
      this.#awaitingReturn.delete(id);
      if (!this.#recent.has(id)) this.deliver(topic, wire);
    }
  }

  /**
   * Publishes through the `msg` script with the first history copy (stored before it is
   * published), the others stored by the same queue right after; the echo waits for Redis.
   */
  relay(r: Relay): void {
    const filter = relayFilter(r);
    const sessions = echoSessions(r);
    const echo: Echo | undefined = sessions.length > 0
      ? { user: r.from, sessions, out: r.out }
      : undefined;
    const wire = this.#wire(r.out, r.from);
    if (r.cap !== undefined) wire.cap = r.cap;
    if (r.withoutCap !== undefined) wire.ncap = r.withoutCap;
    let topic: string;
    if ("channel" in r.to) {
      if (r.to.status !== undefined) wire.st = r.to.status;
      topic = channelTopic(r.to.channel.folded);
    } else {
      const uid = this.#host.uidOf(r.to.user);
      if (!uid) {
        // not on the network: a user of this node still registering
        for (const copy of r.history) this.store(copy);
        r.to.user.send(r.out, filter);
        if (echo) giveEcho(echo, r.out);
        return;
      }
      wire.to = uid;
      topic = inboxTopic(this.#host.replica.nodeOf(r.to.user) ?? this.#host.node);
    }
    const [first, ...rest] = r.history;
    // the sending session's own echo is its reply: a labeled command waits for it (Redis's answer)
    if (echo && sessions.includes(r.session)) echo.owed = r.session;
    this.#publish(topic, wire, r.from, first, echo);
    for (const copy of rest) this.store(copy);
  }

  /** Stores a history copy without publishing anything. */
  store(copy: HistoryCopy): void {
    this.#host.op("msg", ["", "", ...this.#historyArgs(copy)]);
  }

  /**
   * The sink of a user on another node: its lines go to that node's inbox (the node it is on
   * now: an always-on user moves when its node is lost).
   */
  remoteSink(uid: string): Sink {
    const inbox = () => {
      const user = this.#host.replica.byUid(uid);
      const node = (user && this.#host.replica.nodeOf(user)) ?? uid.slice(0, uid.indexOf("/"));
      return inboxTopic(node);
    };
    return {
      send: (out) => {
        const wire = this.#wire(out, undefined);
        wire.to = uid;
        wire.id = "";
        this.#raw(inbox(), JSON.stringify(wire));
      },
      terminate: (reason) => {
        const kill: Delivery = { t: "kill", to: uid, r: reason };
        this.#raw(inbox(), JSON.stringify(kill));
      },
    };
  }

  #wire(out: Outgoing, sender: User | undefined): WireMessage {
    const m = out.message;
    const wire: WireMessage = {
      t: "msg",
      id: out.tags?.msgid ?? "",
      cmd: m.command,
      p: m.params,
      src: m.source ?? "",
      u: sender ? this.#host.uidOf(sender) ?? "" : "",
    };
    if (out.time !== undefined) wire.tm = out.time;
    if (out.tags !== undefined) wire.tg = out.tags;
    if (out.account !== undefined) wire.a = out.account;
    if (out.lines !== undefined) wire.ml = [...out.lines];
    return wire;
  }

  /** Publishes a message through the `msg` script, with its history copy if it has one. */
  #publish(
    topic: string,
    wire: WireMessage,
    sender: User,
    stored: HistoryCopy | undefined,
    echo: Echo | undefined,
  ): void {
    const id = wire.id;
    // the echo is given once Redis answers: the message is stored and published by then
    if (echo && id) {
      this.#echoes.set(id, echo);
      echo.owed?.owesEcho();
    } else if (echo) echo.owed = undefined; // never given
    const target = wire.p[0] ?? "";
    this.#host.op("msg", [topic, JSON.stringify(wire), ...this.#historyArgs(stored)], () => {
      const dropped = this.#echoes.get(id);
      this.#echoes.delete(id);
      if (dropped) settleEcho(dropped);
      if (sender && wire.cmd !== "TAGMSG") {
        this.#host.notice(
          sender,
          `*** Your message to ${target} could not be delivered: the network is unavailable`,
        );
      }
    }).then((r) => {
      if (!r.ok) return;
      const [status, receivers] = r.value as [number, number];
      this.#accepted(topic, wire, status);
      if (status === 1 && receivers === 0 && wire.to !== undefined && sender) {
        this.#host.notice(
          sender,
          `*** Your message to ${target} could not be delivered: their server is unavailable`,
        );
      }
    });
  }

  /** The `msg` script's arguments after the payload: the history copy, or empty. */
  #historyArgs(stored: HistoryCopy | undefined): (string | number)[] {
    if (!stored) return ["", "", 0, "", "", "", "", "", "", 0, ""];
    const { conversation, message: m, label } = stored;
    return [
      conversation,
      m.msgid,
      m.time,
      m.target,
      m.source,
      m.account ?? "",
      m.command,
      m.text,
      m.tags ? JSON.stringify(m.tags) : "",
      this.#host.maxPerConversation,
      label ?? m.target,
    ];
  }

  /**
   * Redis ran the `msg` script (1: published now, 0: already done before an outage). The echo is
   * given here unless our channel subscription will bring the message back; what an outage kept
   * from coming back is delivered here.
   */
  #accepted(topic: string, wire: WireMessage, result: number): void {
    const id = wire.id;
    const viaSubscription = wire.to === undefined && this.#host.isSubscribed(topic);
    if (result === 0 && id && !this.#recent.has(id)) this.deliver(topic, wire);
    if (viaSubscription && result === 1) {
      if (id && !this.#recent.has(id)) this.#awaitingReturn.set(id, { topic, wire });
      return;
    }
    const echo = id ? this.#takeEcho(id) : undefined;
    if (echo) giveEcho(echo, echo.out);
  }

  /** The echo owed for a msgid, if its sender is still here. */
  #takeEcho(id: string): Echo | undefined {
    const echo = this.#echoes.get(id);
    if (!echo) return undefined;
    this.#echoes.delete(id);
    if (!this.#host.isQuitting(echo.user)) return echo;
    settleEcho(echo);
    return undefined;
  }

  /** A payload from a subscription (or an answer): delivered here once, whatever the retries. */
  deliver(topic: string, d: WireMessage | KillRequest, streamId = ""): void {
    if (d.t === "kill") {
      const user = this.#host.localUser(d.to);
      if (user) this.#host.disconnect(user, d.r); // KILL or GHOST from another node
      return;
    }
    if (streamId && d.to === undefined) this.#lastSeen.set(topic, streamId);
    if (d.id) {
      if (this.#recent.has(d.id)) return;
      this.#recent.add(d.id);
      this.#awaitingReturn.delete(d.id);
    }
    const out = outgoingOf(d);
    const folded = topic.startsWith(CHANNEL_TOPIC_PREFIX)
      ? topic.slice(CHANNEL_TOPIC_PREFIX.length)
      : undefined;
    const echo = d.to === undefined && d.id ? this.#takeEcho(d.id) : undefined;
    deliverWire(this.#host.replica, d, out, folded, echo);
  }

  /** Publishes on a node's inbox without storing (a moved connection's pipe, session_pipes.ts). */
  toNode(node: string, d: Delivery, onDrop: () => void): void {
    this.#raw(inboxTopic(node), JSON.stringify(d), onDrop);
  }

  /** Publishes a payload without storing it (kills, lines for a remote user). */
  #raw(topic: string, payload: string, onDrop?: () => void): void {
    this.#host.op("msg", [topic, payload, ...this.#historyArgs(undefined)], onDrop);
  }
}

function outgoingOf(d: WireMessage): Outgoing {
  return new Outgoing(msg(d.cmd, d.p, d.src || undefined), {
    time: d.tm,
    tags: d.tg,
    account: d.a,
    lines: d.ml,
  });
}

/**
 * Delivers a published message to this node's recipients: the inbox user, or the channel's
 * local members (without the sender, unless `echo` names the sender's session awaiting it).
 */
export function deliverWire(
  replica: Replica,
  m: WireMessage,
  out: Outgoing,
  channelFolded: string | undefined,
  echo?: Pick<Echo, "user" | "sessions" | "owed">,
): void {
  const wants = m.cap === undefined && m.ncap === undefined
    ? undefined
    : { cap: m.cap, withoutCap: m.ncap };
  if (m.to !== undefined) {
    const user = replica.byUid(m.to);
    if (!user || !replica.isLocal(user)) return;
    COUNTERS.deliveries++;
    if (m.u !== m.to) return user.send(out, wants);
    // to oneself: a delivery to each session, no reply to the command that sent it (hub.ts)
    for (const s of user.sessions) if (s.accepts(wants)) user.deliverTo(s, out);
    return;
  }
  if (channelFolded === undefined) return;
  const channel = replica.channel(channelFolded);
  const members = replica.localMembers(channelFolded);
  if (!channel || !members) {
    if (echo) giveEcho(echo, out);
    return;
  }
  out.fanOut();
  const sender = replica.byUid(m.u);
  let echoed = false;
  for (const member of members.keys()) {
    if (member === echo?.user) {
      echoed = true;
      giveEcho(echo, out);
      continue;
    }
    if (member === sender) continue;
    if (m.st !== undefined && ((channel.members.get(member) ?? 0) & m.st) === 0) continue;
    COUNTERS.deliveries++;
    member.send(out, wants);
  }
  if (echo && !echoed) giveEcho(echo, out);
}
