/**
 * One generator shard: a slice of the clients (i mod N = k), joined with bounded concurrency,
 * its senders paced by the window and rate, and its counters. Driven by the coordinator through
 * three calls (`join`, `go`, `stop`), whichever transport carries them.
 *
 * @module
 */

import { BenchClient } from "./client.ts";
import type { BenchOptions } from "./options.ts";
import { Pacer } from "./pacer.ts";
import { clockUs, Recorder, type ShardCounts } from "./recorder.ts";
import { channelOf, expectedFor, sendersIn, shardClients, type Topology } from "./topology.ts";
import { channelName, lineBytes, messageTemplate, nickOf, stampMessage, tagCode } from "./wire.ts";

/** What a shard is told at start. */
export interface ShardSpec {
  options: BenchOptions;
  /** Makes nicks unique to this run. */
  tag: string;
  shard: number;
  shards: number;
  /** Absolute ms all shards measure time from (performance.timeOrigin + now()). */
  epochMs: number;
  /** Absolute ms by which every join must be done. */
  joinDeadlineMs: number;
}

/** A shard's progress, sent often and on every state change worth reacting to. */
export interface ShardProgress {
  joined: number;
  joinFailed: number;
  joinDone: boolean;
  delivered: number;
  expected: number;
  sent: number;
  acked: number;
  sendersDone: number;
  senders: number;
  disconnects: number;
  /** Every own sender done and every expected delivery received. */
  complete: boolean;
}

/** A slice of the clients and everything it counts. */
export class Shard {
  readonly #spec: ShardSpec;
  readonly #topo: Topology;
  readonly #rec = new Recorder();
  readonly #clients: BenchClient[] = [];
  #stopped = false;
  #joinDone = false;
  readonly #wakeSenders = new Set<() => void>();
  /** Called whenever progress worth reporting at once happens (join done, completion). */
  onMilestone: (() => void) | undefined;

  constructor(spec: ShardSpec) {
    this.#spec = spec;
    const o = spec.options;
    this.#topo = {
      clients: o.clients,
      senders: o.senders,
      channels: o.channels,
      messages: o.messages,
    };
    const rec = this.#rec;
    for (const i of shardClients(o.clients, spec.shard, spec.shards)) {
      const c = channelOf(this.#topo, i);
      const client = new BenchClient(
        i,
        nickOf(spec.tag, i),
        channelName(c),
        {
          channel: c,
          channels: o.channels,
          senders: sendersIn(this.#topo, c),
          messages: o.messages,
          self: i,
          tag: tagCode(spec.tag),
        },
        rec,
        spec.epochMs,
      );
      this.#clients.push(client);
      rec.expected += expectedFor(this.#topo, i);
      if (i < o.senders) rec.senders++;
    }
    rec.clients = this.#clients.length;
    rec.onAllDelivered = () => this.#checkComplete();
  }

  /** Connects and registers every client, then joins each, both bounded, by the deadline. */
  async join(): Promise<void> {
    const o = this.#spec.options;
    const rec = this.#rec;
    rec.joinStartUs = clockUs(this.#spec.epochMs);
    const timer = setTimeout(() => {
      for (const c of this.#clients) c.fail("join timed out");
    }, Math.max(0, this.#spec.joinDeadlineMs - (performance.timeOrigin + performance.now())));
    // Two bounded stages: connect+register, then JOIN. A JOIN storm's transient output queues
    // are the server's peak memory, so scenario A joins gently while registering fast.
    const joinSlots = new Slots(o.joinConcurrency);
    const joins: Promise<unknown>[] = [];
    let next = 0;
    const worker = async () => {
      for (let c = this.#clients[next++]; c && !this.#stopped; c = this.#clients[next++]) {
        if (await c.connectAndRegister(o.host, o.port)) joins.push(joinSlots.run(() => c.join()));
      }
    };
    await Promise.all(
      Array.from({ length: Math.min(o.connectConcurrency, this.#clients.length) }, worker),
    );
    await Promise.all(joins);
    clearTimeout(timer);
    for (const c of this.#clients) if (c.state === "new") c.fail("not started (run stopped)");
    rec.joinEndUs = clockUs(this.#spec.epochMs);
    this.#joinDone = true;
    this.onMilestone?.();
  }

  /** Starts every sender of this shard. */
  go(): void {
    const o = this.#spec.options;
    if (o.messages === 0) return;
    for (const c of this.#clients) {
      if (c.index < o.senders) this.#runSender(c).catch(() => {});
    }
    this.#checkComplete();
  }

  /**
   * Closes every connection and returns the final counts; `allSent` (every sender of the run
   * finished) makes every missing message a loss, else only gaps are.
   */
  stop(allSent: boolean): ShardCounts {
    this.#stopped = true;
    if (!this.#joinDone) this.#rec.joinEndUs = clockUs(this.#spec.epochMs); // cut short
    for (const c of this.#clients) if (c.state !== "joined") c.fail("run stopped before joining");
    for (const w of [...this.#wakeSenders]) w();
    let lost = 0;
    for (const c of this.#clients) {
      if (c.state === "joined" || c.state === "closed") lost += c.lost(allSent);
      else if (allSent) lost += expectedFor(this.#topo, c.index);
    }
    for (const c of this.#clients) c.close();
    return this.#rec.counts(lost);
  }

  /** Current progress (cheap). */
  progress(): ShardProgress {
    const r = this.#rec;
    return {
      joined: r.joined,
      joinFailed: r.joinFailed,
      joinDone: this.#joinDone,
      delivered: r.delivered,
      expected: r.expected,
      sent: r.sent,
      acked: r.acked,
      sendersDone: r.sendersDone,
      senders: r.senders,
      disconnects: r.disconnects,
      complete: this.#complete(),
    };
  }

  #complete(): boolean {
    const r = this.#rec;
    return this.#joinDone && r.sendersDone === r.senders && r.delivered >= r.expected;
  }

  #completeReported = false;
  #checkComplete(): void {
    if (!this.#completeReported && this.#complete()) {
      this.#completeReported = true;
      this.onMilestone?.();
    }
  }

  async #runSender(client: BenchClient): Promise<void> {
    const o = this.#spec.options;
    const rec = this.#rec;
    const epoch = this.#spec.epochMs;
    // Senders start spread over one message interval, so paced senders do not tick together.
    const spread = o.rate > 0 ? (client.index * 1000) / o.rate / o.senders : 0;
    const pacer = new Pacer(o.messages, o.window, o.rate, nowMs() + spread);
    const template = messageTemplate(client.channelName, this.#spec.tag, client.index, o.payload);
    const every = pacer.pingEvery;
    let wake: (() => void) | undefined;
    client.onAck = (count) => {
      const before = pacer.acked;
      pacer.ack(count);
      rec.acked += pacer.acked - before;
      wake?.();
    };
    client.onClose = () => wake?.();
    while (!pacer.done && !this.#stopped && client.state === "joined") {
      const n = pacer.allowance(nowMs());
      if (n === 0) {
        await new Promise<void>((resolve) => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const w = () => {
            clearTimeout(timer);
            this.#wakeSenders.delete(w);
            wake = undefined;
            resolve();
          };
          wake = w;
          this.#wakeSenders.add(w);
          if (!pacer.windowFull() && pacer.sent < pacer.messages) {
            timer = setTimeout(wake, Math.max(0, pacer.nextDueMs() - nowMs()));
          }
        });
        continue;
      }
      const pings = Math.ceil(n / every) + 1;
      const batch = new Uint8Array(n * template.bytes.length + pings * 24);
      let at = 0;
      const timeUs = clockUs(epoch);
      for (let k = 0; k < n; k++) {
        at = stampMessage(template, batch, at, pacer.sent, timeUs);
        pacer.sent++;
        if (pacer.sent % every === 0 || k === n - 1) {
          const ping = lineBytes(`PING :${pacer.sent}`);
          batch.set(ping, at);
          at += ping.length;
        }
      }
      rec.sent += n;
      await client.send(batch.subarray(0, at));
    }
    if (pacer.done) {
      rec.sendersDone++;
      this.#checkComplete();
    }
  }

  /** Called by the transport after deliveries may have arrived. */
  poll(): void {
    this.#checkComplete();
  }
}

function nowMs(): number {
  return performance.now();
}

/** At most `n` tasks at once; the rest wait their turn in order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(n: number) {
    this.#free = n;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
