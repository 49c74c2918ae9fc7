/**
 * Scenarios A–E of issue 6, their scaled-down `--quick` forms, and the generator settings each
 * server needs (connect concurrency: ngIRCd's listen backlog is 10, InspIRCd registers clients
 * once a second so it wants many at once). Pure data.
 *
 * @module
 */

import type { BenchOptions } from "../../bench/options.ts";

/**
 * Servers `deno task bench` compares; `relay` is the reference relay
 * (scripts/side_by_side/reference_relay.ts): the ceiling of a Deno server, not a peer.
 */
export const SERVERS = ["chat", "ngircd", "inspircd", "relay"] as const;
/** One of `SERVERS`. */
export type ServerName = typeof SERVERS[number];

/** Display names. */
export const SERVER_LABELS: Record<ServerName, string> = {
  chat: "chat",
  ngircd: "ngIRCd",
  inspircd: "InspIRCd",
  relay: "Deno relay",
};

/** What a scenario is judged by (it decides the columns of the ratio table). */
export type Focus = "memory" | "throughput" | "latency" | "joins";

/** One scenario. */
export interface Scenario {
  id: "A" | "B" | "C" | "D" | "E";
  title: string;
  focus: Focus;
  load: Pick<
    BenchOptions,
    "clients" | "senders" | "messages" | "rate" | "channels" | "durationLimitSec" | "settleSec"
  >;
}

/** The scenarios at full size. */
export const SCENARIOS: readonly Scenario[] = [
  {
    id: "A",
    title: "2,000 idle clients in one channel",
    focus: "memory",
    load: {
      clients: 2000,
      senders: 0,
      messages: 0,
      rate: 0,
      channels: 1,
      durationLimitSec: 180,
      settleSec: 2,
    },
  },
  {
    id: "B",
    title: "200 clients in one channel, 10 senders × 1,000 messages at full speed",
    focus: "throughput",
    load: {
      clients: 200,
      senders: 10,
      messages: 1000,
      rate: 0,
      channels: 1,
      durationLimitSec: 120,
      settleSec: 0.5,
    },
  },
  {
    id: "C",
    title: "500 clients in one channel, 5 senders at 20 msg/s for 10 s",
    focus: "latency",
    load: {
      clients: 500,
      senders: 5,
      messages: 200,
      rate: 20,
      channels: 1,
      durationLimitSec: 120,
      settleSec: 0.5,
    },
  },
  {
    id: "D",
    title: "2,000 clients over 100 channels, 100 senders × 100 messages",
    focus: "throughput",
    load: {
      clients: 2000,
      senders: 100,
      messages: 100,
      rate: 0,
      channels: 100,
      durationLimitSec: 180,
      settleSec: 0.5,
    },
  },
  {
    id: "E",
    title: "10,000 clients in one channel, 1 sender × 100 messages",
    focus: "joins",
    load: {
      clients: 10000,
      senders: 1,
      messages: 100,
      rate: 0,
      channels: 1,
      durationLimitSec: 300,
      settleSec: 1,
    },
  },
];

/** A scenario at about a tenth of its size, for smoke tests of the whole pipeline. */
export function quick(s: Scenario): Scenario {
  const l = s.load;
  const clients = Math.max(10, Math.round(l.clients / 10));
  const channels = Math.max(1, Math.round(l.channels / 10));
  return {
    ...s,
    title: `${s.title} (quick: ÷10)`,
    load: {
      ...l,
      clients,
      channels,
      senders: Math.min(clients, Math.max(l.senders === 0 ? 0 : 1, Math.round(l.senders / 5))),
      messages: l.rate > 0 ? Math.round(l.rate * 2) : Math.round(l.messages / 10),
      durationLimitSec: 60,
      settleSec: Math.min(l.settleSec, 0.5),
    },
  };
}

/** Clients connecting and registering at once, per server. */
export function connectConcurrency(server: ServerName): number {
  return server === "ngircd" ? 10 : server === "inspircd" ? 1000 : 100;
}

/** Generator processes per run when `deno task bench --procs` does not say. */
export const DEFAULT_PROCS = 2;

/**
 * Generator processes for a scenario. A join storm (E) gets one: there each client reads every
 * other client's JOIN (~2.5 GB in all), and one process reading 10,000 sockets gets more per
 * wakeup than two reading 5,000 each. Measured with chat on the 2-core machine: the generator used
 * 2.8–3.1 CPU-s in one process against 5.4–6.0 in two, and with a core less contended the server
 * joined everyone in 4.1–5.0 s instead of 6.5–8.2 s. Its one process is still only ~70% busy
 * while joining (saturated only while 100 messages go to 10,000 clients, which E does not time).
 * B, C and D measured the same with one or two.
 */
export function generatorProcs(s: Scenario): number {
  return s.focus === "joins" ? 1 : DEFAULT_PROCS;
}

/**
 * Registered clients joining at once: few where memory per idle connection is measured (the
 * transient output queues of a JOIN storm would otherwise be the figure), 100 elsewhere.
 */
export function joinConcurrency(s: Scenario): number {
  return s.focus === "memory" ? 10 : 100;
}

/** Picks scenarios by id (`"A,C"`), in A–E order; throws on an unknown id. */
export function selectScenarios(ids: string | undefined, all = SCENARIOS): Scenario[] {
  if (!ids) return [...all];
  const wanted = ids.toUpperCase().split(/[\s,]+/).filter(Boolean);
  for (const w of wanted) {
    if (!all.some((s) => s.id === w)) throw new Error(`unknown scenario ${w} (A–E)`);
  }
  return all.filter((s) => wanted.includes(s.id));
}

/** Picks servers by name (`"chat,inspircd"`), in the standard order; throws on an unknown one. */
export function selectServers(names: string | undefined): ServerName[] {
  if (!names) return [...SERVERS];
  const wanted = names.toLowerCase().split(/[\s,]+/).filter(Boolean);
  for (const w of wanted) {
    if (!(SERVERS as readonly string[]).includes(w)) {
      throw new Error(`unknown server ${w} (${SERVERS.join(", ")})`);
    }
  }
  return SERVERS.filter((s) => wanted.includes(s));
}
