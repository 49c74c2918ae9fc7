/**
 * What one `chat bench` run is told, its defaults, and the checks that keep a run bounded and on
 * loopback. Pure: no I/O, so the CLI, the shards and the tests share it.
 *
 * @module
 */

import { MAX_PAYLOAD_BYTES, MAX_SENDERS, MAX_SEQ, TRAILER_BYTES } from "./wire.ts";

/** How the clients are split over several generator shards. */
export type ShardKind = "process" | "thread";

/** Everything a bench run needs; every field is checked by `validateOptions`. */
export interface BenchOptions {
  host: string;
  port: number;
  /** Connections opened, registered and joined. */
  clients: number;
  /** Clients (the first ones, spread over the channels) that also send. */
  senders: number;
  /** Messages per sender; 0 measures idle clients only. */
  messages: number;
  /** Messages per second per sender; 0 sends as fast as the in-flight window allows. */
  rate: number;
  /** Bytes of message text (a fixed-width trailer with sender, sequence and send time included). */
  payload: number;
  /** Channels the clients are spread over (client i joins channel i mod C). */
  channels: number;
  /** Upper bound on the whole run in seconds: join, send and drain. */
  durationLimitSec: number;
  /** Server process to sample (RSS from /proc/PID/status, CPU from /proc/PID/stat). */
  serverPid: number | undefined;
  /** Generator shards; 1 runs everything in this process. */
  procs: number;
  shardKind: ShardKind;
  /** Messages a sender may have sent but not yet seen acknowledged (PING/PONG). */
  window: number;
  /** Clients connecting and registering at the same time. */
  connectConcurrency: number;
  /** Registered clients whose JOIN is in flight at the same time. */
  joinConcurrency: number;
  /** Seconds to wait after the last join before sampling the server's RSS. */
  settleSec: number;
  /** Seconds without any progress after which the send phase ends (loss). */
  drainTimeoutSec: number;
  /** Allows a target that is not on loopback. */
  allowRemote: boolean;
}

/** The defaults of `chat bench` (scenario B of issue 6, roughly). */
export const DEFAULT_OPTIONS: BenchOptions = {
  host: "127.0.0.1",
  port: 6667,
  clients: 200,
  senders: 10,
  messages: 1000,
  rate: 0,
  payload: 64,
  channels: 1,
  durationLimitSec: 120,
  serverPid: undefined,
  procs: 1,
  shardKind: "process",
  window: 16,
  connectConcurrency: 100,
  joinConcurrency: 100,
  settleSec: 0.5,
  drainTimeoutSec: 5,
  allowRemote: false,
};

/** Upper bound on clients: file descriptors and nick space. */
export const MAX_CLIENTS = 200_000;

/** True for 127.0.0.0/8, ::1 and `localhost`: the only targets allowed by default. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (h === "localhost" || h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

/**
 * Problems with a set of options, as one-line messages (empty when the run may start). Checked
 * together so a user sees every mistake at once.
 */
export function validateOptions(o: BenchOptions): string[] {
  const errors: string[] = [];
  const int = (name: string, v: number, min: number, max: number) => {
    if (!Number.isInteger(v) || v < min || v > max) {
      errors.push(`--${name} must be a whole number from ${min} to ${max}, not ${v}`);
    }
  };
  int("port", o.port, 1, 65535);
  int("clients", o.clients, 1, MAX_CLIENTS);
  int("senders", o.senders, 0, Math.min(MAX_SENDERS, o.clients));
  int("messages", o.messages, 0, MAX_SEQ);
  int("payload", o.payload, TRAILER_BYTES, MAX_PAYLOAD_BYTES);
  int("channels", o.channels, 1, Math.min(10_000, o.clients));
  int("procs", o.procs, 1, 64);
  int("window", o.window, 1, 100_000);
  int("connect-concurrency", o.connectConcurrency, 1, 100_000);
  int("join-concurrency", o.joinConcurrency, 1, 100_000);
  if (!(o.rate >= 0 && o.rate <= 1_000_000)) errors.push("--rate must be from 0 to 1000000");
  if (!(o.durationLimitSec > 0 && o.durationLimitSec <= 24 * 3600)) {
    errors.push("--duration-limit must be more than 0 and at most 86400 seconds");
  }
  if (!(o.settleSec >= 0 && o.settleSec <= 600)) {
    errors.push("--settle must be 0 to 600 seconds");
  }
  if (!(o.drainTimeoutSec > 0 && o.drainTimeoutSec <= 600)) {
    errors.push("--drain-timeout must be more than 0 and at most 600 seconds");
  }
  if (o.serverPid !== undefined) int("server-pid", o.serverPid, 1, 2 ** 22);
  if (o.procs > o.clients) errors.push("--procs cannot exceed --clients");
  if (!o.allowRemote && !isLoopbackHost(o.host)) {
    errors.push(
      `refusing to load ${o.host}: not a loopback address (pass --allow-remote if you own it)`,
    );
  }
  if (o.messages > 0 && o.senders === 0) errors.push("--messages needs at least one sender");
  return errors;
}

/** One line describing the load, for reports and progress. */
export function describeLoad(o: BenchOptions): string {
  const chans = `${o.channels} channel${o.channels === 1 ? "" : "s"}`;
  const load = o.senders === 0 || o.messages === 0
    ? "idle"
    : `${o.senders} sender${o.senders === 1 ? "" : "s"} × ${o.messages} messages at ${
      o.rate === 0 ? "full speed" : `${o.rate} msg/s`
    }, ${o.payload} B`;
  return `${o.clients} clients in ${chans}, ${load}`;
}
