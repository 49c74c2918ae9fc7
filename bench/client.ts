/**
 * One bench connection: connect, register, join one channel, then count what arrives. Reads go
 * into a reused buffer and are split in place; a delivery is recognised and decoded from its
 * trailer bytes alone, other lines by their command bytes. Writes are queued and coalesced with
 * one write in flight, partial writes resumed.
 *
 * @module
 */

import { concat } from "../util/bytes.ts";
import { errorMessage } from "../util/error_message.ts";
import { clockUs, Recorder } from "./recorder.ts";
import {
  classify,
  Cmd,
  lastParam,
  lineBytes,
  LineSplitter,
  lineText,
  readTrailer,
  registrationBytes,
  type Trailer,
} from "./wire.ts";

/** Bytes per read: large reads keep the join storm (N² JOIN lines) cheap to receive. */
const READ_BYTES = 16 * 1024;

/** Error numerics that mean registration or the join failed (nick taken, banned, full…). */
const JOIN_ERRORS = new Set([
  403,
  405,
  431,
  432,
  433,
  436,
  437,
  451,
  461,
  462,
  464,
  465,
  471,
  473,
  474,
  475,
  476,
  477,
  489,
]);

/** Where a client is in its life. */
export type ClientState =
  | "new"
  | "registering"
  | "registered"
  | "joining"
  | "joined"
  | "failed"
  | "closed";

/** How a client learns which senders it should hear from. */
export interface ReceiverPlan {
  /** This client's channel index. */
  channel: number;
  /** The number of channels (sender s is in channel s mod channels, slot s / channels). */
  channels: number;
  /** Senders in this client's channel. */
  senders: number;
  /** Messages per sender. */
  messages: number;
  /** This client's own index (its own messages are not expected back). */
  self: number;
  /** The run's tag as `tagCode` gives it: messages of other runs are not counted. */
  tag: number;
}

/** One bench client. */
export class BenchClient {
  readonly index: number;
  readonly nick: string;
  readonly channelName: string;
  readonly #plan: ReceiverPlan;
  readonly #rec: Recorder;
  readonly #epochMs: number;
  #conn: Deno.TcpConn | undefined;
  state: ClientState = "new";
  #splitter = new LineSplitter({ skipJoins: true });
  #writeQueue: Uint8Array[] = [];
  #writing = false;
  #startUs = 0;
  #settle: ((ok: boolean) => void) | undefined;
  #lastError = "";
  /** The last line received before the welcome: the reason a registration went wrong. */
  #lastEarlyLine = "";
  /** Highest sequence number seen per sender slot, and how many arrived. */
  readonly #maxSeq: Int32Array;
  readonly #count: Int32Array;
  readonly #trailer: Trailer = { tag: 0, sender: 0, seq: 0, timeUs: 0 };
  readonly #info = { cmd: Cmd.OTHER as Cmd, numeric: 0 };
  /** Called with the count a PONG acknowledges (senders only). */
  onAck: ((count: number) => void) | undefined;
  /** Called when the connection ends after joining. */
  onClose: (() => void) | undefined;

  constructor(
    index: number,
    nick: string,
    channelName: string,
    plan: ReceiverPlan,
    rec: Recorder,
    epochMs: number,
  ) {
    this.index = index;
    this.nick = nick;
    this.channelName = channelName;
    this.#plan = plan;
    this.#rec = rec;
    this.#epochMs = epochMs;
    this.#maxSeq = new Int32Array(plan.senders).fill(-1);
    this.#count = new Int32Array(plan.senders);
  }

  /**
   * Connects and registers; resolves true at the welcome (001), false on any failure (counted
   * in the recorder with its reason). The connect+join time runs from here.
   */
  connectAndRegister(host: string, port: number): Promise<boolean> {
    if (this.state !== "new") return Promise.resolve(false); // failed (timed out) meanwhile
    this.state = "registering";
    this.#startUs = clockUs(this.#epochMs);
    const done = new Promise<boolean>((resolve) => this.#settle = resolve);
    Deno.connect({ hostname: host, port }).then((conn) => {
      if (this.state !== "registering") {
        conn.close();
        return;
      }
      this.#conn = conn;
      try {
        conn.setNoDelay(true);
      } catch { /* not fatal */ }
      this.send(registrationBytes(this.nick));
      this.#readLoop(conn);
    }, (err) => this.fail(`connect: ${errorMessage(err)}`));
    return done;
  }

  /** Joins the channel; resolves true at the end of its NAMES (366), false on any failure. */
  join(): Promise<boolean> {
    if (this.state !== "registered") return Promise.resolve(false);
    this.state = "joining";
    const done = new Promise<boolean>((resolve) => this.#settle = resolve);
    this.send(lineBytes(`JOIN ${this.channelName}`));
    return done;
  }

  /** Marks a client that did not get to join (counted once) and closes it. */
  fail(reason: string): void {
    if (this.state === "joined" || this.state === "failed" || this.state === "closed") return;
    this.state = "failed";
    this.#rec.joinFailed++;
    Recorder.bump(this.#rec.failReasons, reason);
    this.#closeConn();
    this.#settle?.(false);
  }

  /** Queues bytes; everything queued while a write is in flight goes out as one write. */
  send(bytes: Uint8Array): Promise<void> | undefined {
    if (!this.#conn || this.state === "closed" || this.state === "failed") return;
    this.#writeQueue.push(bytes);
    if (!this.#writing) return this.#flush(this.#conn);
  }

  /** Closes the connection (end of run); nothing is counted. */
  close(): void {
    if (this.state !== "failed") this.state = "closed";
    this.#closeConn();
    this.#settle?.(false);
  }

  /** Messages missing from each expected sender, summed (`allSent`: every sender finished). */
  lost(allSent: boolean): number {
    const p = this.#plan;
    let lost = 0;
    for (let slot = 0; slot < p.senders; slot++) {
      const sender = slot * p.channels + p.channel;
      if (sender === p.self) continue;
      // Unless every sender finished, only gaps below the highest number seen are known losses.
      const sent = allSent ? p.messages : (this.#maxSeq[slot] ?? -1) + 1;
      lost += Math.max(0, sent - (this.#count[slot] ?? 0));
    }
    return lost;
  }

  async #flush(conn: Deno.TcpConn): Promise<void> {
    this.#writing = true;
    try {
      while (this.#writeQueue.length > 0) {
        const q = this.#writeQueue;
        this.#writeQueue = [];
        const buf = q.length === 1 ? q[0]! : concat(q);
        for (let off = 0; off < buf.length;) off += await conn.write(buf.subarray(off));
      }
    } catch (err) {
      this.#ended(`write: ${errorMessage(err)}`);
    } finally {
      this.#writing = false;
    }
  }

  async #readLoop(conn: Deno.TcpConn): Promise<void> {
    const buf = new Uint8Array(READ_BYTES);
    const rec = this.#rec;
    const onLine = (b: Uint8Array, s: number, e: number, space: number) =>
      this.#line(b, s, e, space);
    let reason = "connection closed by server";
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        rec.nowUs = clockUs(this.#epochMs);
        this.#splitter.push(buf.subarray(0, n), onLine);
      }
    } catch (err) {
      reason = `read: ${errorMessage(err)}`;
    }
    const early = this.#lastEarlyLine ? ` after "${this.#lastEarlyLine.slice(0, 80)}"` : "";
    this.#ended(this.#lastError || (this.state === "registering" ? reason + early : reason));
  }

  #ended(reason: string): void {
    if (this.state === "closed" || this.state === "failed") return;
    if (this.state === "joined") {
      this.state = "closed";
      this.#rec.disconnects++;
      Recorder.bump(this.#rec.disconnectReasons, reason);
      this.#closeConn();
      this.onClose?.();
    } else {
      this.fail(reason);
    }
  }

  #closeConn(): void {
    const c = this.#conn;
    this.#conn = undefined;
    try {
      c?.close();
    } catch { /* already closed */ }
  }

  /**
   * One received line, `b[s, e)` without CR/LF, its first space at `space`. The hot path is the
   * first branch.
   */
  #line(b: Uint8Array, s: number, e: number, space: number): void {
    const t = this.#trailer;
    if (readTrailer(b, s, e, t)) {
      this.#delivery(t);
      return;
    }
    if (this.state === "registering") this.#lastEarlyLine = lineText(b, s, e);
    const info = this.#info;
    classify(b, s, e, info, space);
    switch (info.cmd) {
      case Cmd.OTHER:
        return;
      case Cmd.PING:
        this.send(lineBytes(`PONG :${lastParam(b, s, e)}`));
        return;
      case Cmd.PONG: {
        const n = Number(lastParam(b, s, e));
        if (Number.isInteger(n)) this.onAck?.(n);
        return;
      }
      case Cmd.ERROR:
        this.#lastError = lineText(b, s, e);
        if (this.state === "joined") this.#rec.errorLine(this.#lastError);
        return;
      case Cmd.NUMERIC:
        this.#numeric(info.numeric, b, s, e);
        return;
    }
  }

  #numeric(n: number, b: Uint8Array, s: number, e: number): void {
    if (n === 1 && this.state === "registering") {
      this.state = "registered";
      this.#settle?.(true);
    } else if (n === 366 && this.state === "joining") {
      this.state = "joined";
      const rec = this.#rec;
      rec.joined++;
      rec.joinTimes.record(clockUs(this.#epochMs) - this.#startUs);
      this.#settle?.(true);
    } else if (n >= 400 && n < 600 && n !== 422) {
      const text = lineText(b, s, e);
      if (this.state === "joined") this.#rec.errorLine(text);
      else if (JOIN_ERRORS.has(n)) this.fail(`${n} ${lastParam(b, s, e)}`);
    }
  }

  #delivery(t: Trailer): void {
    const p = this.#plan;
    const rec = this.#rec;
    if (t.tag !== p.tag) {
      rec.foreign++; // another run's message, e.g. history replayed on JOIN
      return;
    }
    if (t.sender === p.self) return; // an echo of our own message; not a delivery
    if (t.sender % p.channels !== p.channel) {
      rec.misrouted++;
      return;
    }
    const slot = (t.sender - p.channel) / p.channels;
    if (slot >= p.senders) {
      rec.misrouted++;
      return;
    }
    const seen = (this.#count[slot] ?? 0) + 1; // slot < p.senders: in range
    this.#count[slot] = seen;
    if (t.seq > (this.#maxSeq[slot] ?? -1)) this.#maxSeq[slot] = t.seq;
    else if (seen > p.messages) rec.duplicates++;
    else rec.outOfOrder++;
    rec.delivery(t.timeUs);
  }
}
