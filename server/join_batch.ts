/**
 * JOIN announcements in a big channel, held for a moment and then written to every member as one
 * run of lines.
 *
 * In a join storm each JOIN goes to every member: N joins into a channel cost N² pushes. Held for
 * a short window, the joins of that window reach each member as one run (one view of one buffer),
 * so a member costs one push per window instead of one per join. Order is kept: before anything
 * else is sent to a member with announcements pending, the batch is written out (see `settle`),
 * and a joiner gets its own JOIN at once and only the joins after its own.
 *
 * @module
 */

import { concat } from "../util/bytes.ts";
import { msg } from "../protocol/message.ts";
import { Outgoing } from "./outgoing.ts";
import type { Channel, HeldJoins } from "./state/channel.ts";
import type { User } from "./state/user.ts";

/** Channels with fewer members announce each join at once (no batching, no delay). */
export const BATCH_MIN_MEMBERS = 64;
/**
 * How long announcements are held: 1 ms per this many members, between BATCH_MIN_MS and
 * BATCH_MAX_MS. Writing a batch out costs a write per member (and a read per member on the other
 * side), so the window grows with the channel: a 10,000-member channel holds joins 100 ms, which
 * nobody notices in a join notice, and each member then takes about ten writes a second during a
 * join storm instead of fifty. The joiner's own JOIN and NAMES are never held.
 */
export const MEMBERS_PER_MS = 100;
export const BATCH_MIN_MS = 2;
export const BATCH_MAX_MS = 100;

interface Join {
  user: User;
  plain: Outgoing;
  extended: Outgoing;
}

/**
 * Who hears a channel's JOINs here, in join order: all its members in the single process, a
 * node's local members in a cluster. Members only leave after `flushChannel`.
 */
export interface Audience {
  readonly size: number;
  has(user: User): boolean;
  keys(): Iterable<User>;
}

const batches = new Map<Channel, JoinBatch>();

/** One channel's held announcements. */
class JoinBatch implements HeldJoins {
  readonly #channel: Channel;
  readonly #audience: Audience;
  /** Members before the first held join: they get every announcement. */
  readonly #before: number;
  readonly #joins: Join[] = [];
  /** For each joiner added to the audience since, in order: the index of its own join. */
  readonly #ownJoin: number[] = [];
  /** The last join's user, when it is in the audience (it waits for nothing). */
  #lastJoiner: User | undefined;
  readonly #timer: ReturnType<typeof setTimeout>;

  constructor(channel: Channel, audience: Audience, before: number) {
    this.#channel = channel;
    this.#audience = audience;
    this.#before = before;
    const ms = Math.min(BATCH_MAX_MS, Math.max(BATCH_MIN_MS, before / MEMBERS_PER_MS));
    this.#timer = setTimeout(() => this.flush(), ms);
    channel.heldJoins = this;
  }

  /** Holds a join; `heard`: its user is in the audience (appended to it). */
  add(join: Join, heard: boolean): void {
    if (heard) this.#ownJoin.push(this.#joins.length);
    this.#lastJoiner = heard ? join.user : undefined;
    this.#joins.push(join);
  }

  settleFor(user: User): void {
    if (user !== this.#lastJoiner && this.#audience.has(user)) this.flush();
  }

  /** Writes the announcements out: each member gets those after it joined, as one run. */
  flush(): void {
    clearTimeout(this.#timer);
    batches.delete(this.#channel);
    this.#channel.heldJoins = undefined;
    const joins = this.#joins;
    const runs: (Run | undefined)[] = new Array(16);
    let i = 0;
    for (const member of this.#audience.keys()) {
      // the audience is in join order: the first `before` were there already, then the joiners,
      // who get the joins after their own
      const from = i < this.#before ? 0 : (this.#ownJoin[i - this.#before] ?? joins.length) + 1;
      i++;
      if (from >= joins.length) continue;
      for (const session of member.sessions) {
        const extended = session.caps.has("extended-join");
        const sink = session.sink;
        if (sink.sendBytes) {
          const key = session.variant * 2 + (extended ? 1 : 0);
          const run = runs[key] ??= new Run(joins, session.variant, extended);
          if (sink.sendBytes(run.from(from))) continue;
        }
        for (const join of joins.slice(from)) sink.send(extended ? join.extended : join.plain);
      }
    }
  }
}

/** The announcements for one tag variant, as one buffer, with where each line starts. */
class Run {
  readonly bytes: Uint8Array;
  readonly #starts: number[] = [];

  constructor(joins: Join[], variant: number, extended: boolean) {
    const lines = joins.map((j) => (extended ? j.extended : j.plain).bytes(variant));
    let size = 0;
    for (const line of lines) {
      this.#starts.push(size);
      size += line.byteLength;
    }
    // a batch holds one join at least
    const first = lines[0]!;
    const adjacent = lines.every((l, k) =>
      l.buffer === first.buffer && l.byteOffset === first.byteOffset + this.#starts[k]!
    );
    this.bytes = adjacent ? new Uint8Array(first.buffer, first.byteOffset, size) : concat(lines);
  }

  /** The lines from the `k`th on. */
  from(k: number): Uint8Array {
    return k === 0 ? this.bytes : this.bytes.subarray(this.#starts[k]);
  }
}

/**
 * Announces `user`'s join to the channel's `audience` (which the user joined already if it hears
 * it here). A small audience hears it at once; a big one's is held briefly, and the joiner gets
 * its own JOIN right away.
 */
export function announceJoin(
  channel: Channel,
  audience: Audience,
  user: User,
  plain: Outgoing,
  extended: Outgoing,
): void {
  const heard = audience.has(user);
  let batch = batches.get(channel);
  if (!batch) {
    if (audience.size < BATCH_MIN_MEMBERS) {
      for (const member of audience.keys()) sendJoin(member, plain, extended);
      return;
    }
    batch = new JoinBatch(channel, audience, audience.size - (heard ? 1 : 0));
    batches.set(channel, batch);
  }
  batch.add({ user, plain, extended }, heard);
  if (heard) sendJoin(user, plain, extended);
}

/** The two forms of a JOIN: plain, and with account and realname (`extended-join`). */
export function joinLines(
  channel: Channel,
  user: User,
  time: number,
): { plain: Outgoing; extended: Outgoing } {
  const plain = new Outgoing(msg("JOIN", [channel.name], user.source), { time }).fanOut();
  const extended = new Outgoing(
    msg("JOIN", [channel.name, user.account ?? "*", user.realname], user.source),
    { time },
  ).fanOut();
  return { plain, extended };
}

/** A JOIN to each of a user's sessions, in the form it asked for (`extended-join`). */
function sendJoin(user: User, plain: Outgoing, extended: Outgoing): void {
  user.send(plain, { withoutCap: "extended-join" });
  user.send(extended, { cap: "extended-join" });
}

/** Writes out the channel's held announcements: call before anyone leaves it. */
export function flushChannel(channel: Channel): void {
  batches.get(channel)?.flush();
}
