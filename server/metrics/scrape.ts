/**
 * What one scrape of `/metrics` reports: the server's gauges of the moment (its live sessions by
 * transport, users, channels) beside the process's counters, memory and event-loop delay, as
 * metric families. Every name is listed in the README ("Metrics and health"). The work is a
 * fixed number of families; the gauges' counting is the caller's (one pass over its sessions).
 *
 * @module
 */

import {
  CLUSTER_LAG,
  COUNTERS,
  type Counters,
  REDIS_ROUND_TRIPS,
  type RefusalReason,
} from "./counters.ts";
import type { EventLoopMonitor } from "./event_loop.ts";
import type { Family } from "./exposition.ts";

/** How a session reaches this server. */
export type Transport = "tcp" | "tls" | "websocket" | "plaintext" | "moved";

/** Every transport, in the order a scrape lists them. */
export const TRANSPORTS: readonly Transport[] = ["tcp", "tls", "websocket", "plaintext", "moved"];

/** The server's state at the moment of a scrape. */
export interface ScrapeState {
  /** Live sessions by transport (registered or not). */
  connections: Readonly<Record<Transport, number>>;
  /** Registered users of this server (always-on ones without a connection included). */
  users: number;
  /** Users of the network kept on by their always-on account. */
  alwaysOnUsers: number;
  /** Channels of the network. */
  channels: number;
  /** 1 when /healthz would answer 200. */
  healthy: boolean;
}

const REFUSALS: readonly RefusalReason[] = [
  "per_ip_limit",
  "throttle",
  "dline",
  "not_serving",
  "other",
];

/** The families of one scrape, in a fixed order. */
export function scrapeFamilies(
  state: ScrapeState,
  loop: EventLoopMonitor,
  counters: Counters = COUNTERS,
): Family[] {
  const memory = Deno.memoryUsage();
  const one = (value: number) => [{ value }];
  const families: Family[] = [
    {
      name: "chat_connections",
      help: "Live client connections by transport.",
      type: "gauge",
      samples: TRANSPORTS.map((t) => ({ labels: { transport: t }, value: state.connections[t] })),
    },
    {
      name: "chat_users",
      help: "Registered users of this server.",
      type: "gauge",
      samples: one(state.users),
    },
    {
      name: "chat_always_on_users",
      help: "Users kept on the network by their always-on account.",
      type: "gauge",
      samples: one(state.alwaysOnUsers),
    },
    {
      name: "chat_channels",
      help: "Channels of the network.",
      type: "gauge",
      samples: one(state.channels),
    },
    {
      name: "chat_healthy",
      help: "1 while accepting connections with a writable store (as /healthz), 0 otherwise.",
      type: "gauge",
      samples: one(state.healthy ? 1 : 0),
    },
    {
      name: "chat_connections_accepted_total",
      help: "Connections admitted on any listener.",
      type: "counter",
      samples: one(counters.accepted),
    },
    {
      name: "chat_connections_refused_total",
      help: "Connections refused before their session began, by reason.",
      type: "counter",
      samples: REFUSALS.map((r) => ({ labels: { reason: r }, value: counters.refused[r] })),
    },
    {
      name: "chat_messages_total",
      help: "Messages (PRIVMSG, NOTICE, TAGMSG, multiline batches) sent by users of this server.",
      type: "counter",
      samples: one(counters.messages),
    },
    {
      name: "chat_deliveries_total",
      help: "Events (messages, joins, parts...) delivered to users of this server, once per user.",
      type: "counter",
      samples: one(counters.deliveries),
    },
    {
      name: "chat_sendq_exceeded_total",
      help: "Sessions cut off because their send queue passed the limit.",
      type: "counter",
      samples: one(counters.sendqExceeded),
    },
    {
      name: "chat_flood_delays_total",
      help: "Flood-control checks that made a client line wait.",
      type: "counter",
      samples: one(counters.floodDelays),
    },
    {
      name: "chat_history_rows_total",
      help: "Message rows committed to the history store.",
      type: "counter",
      samples: one(counters.historyRows),
    },
    {
      name: "chat_history_commit_seconds",
      help: "Time taken by history commits.",
      type: "summary",
      samples: [
        { suffix: "_sum", value: counters.historyCommitSeconds },
        { suffix: "_count", value: counters.historyCommits },
      ],
    },
    {
      name: "chat_process_resident_memory_bytes",
      help: "Resident set size of the process.",
      type: "gauge",
      samples: one(memory.rss),
    },
    {
      name: "chat_process_heap_used_bytes",
      help: "JavaScript heap in use.",
      type: "gauge",
      samples: one(memory.heapUsed),
    },
    {
      name: "chat_process_heap_total_bytes",
      help: "JavaScript heap reserved.",
      type: "gauge",
      samples: one(memory.heapTotal),
    },
    {
      name: "chat_process_external_memory_bytes",
      help: "Memory held outside the JavaScript heap (buffers).",
      type: "gauge",
      samples: one(memory.external),
    },
    {
      name: "chat_event_loop_delay_seconds",
      help: "How late the latest event-loop sample ran.",
      type: "gauge",
      samples: one(loop.last),
    },
    {
      name: "chat_event_loop_delay_max_seconds",
      help: "The worst event-loop lateness since the previous scrape.",
      type: "gauge",
      samples: one(loop.takeMax()),
    },
  ];
  const lagMs = CLUSTER_LAG.oldestOpAgeMs?.();
  if (lagMs !== undefined) {
    families.push({
      name: "chat_redis_round_trip_seconds",
      help: "Time from sending a cluster op to Redis to its answer.",
      type: "summary",
      samples: [
        { suffix: "_sum", value: REDIS_ROUND_TRIPS.seconds },
        { suffix: "_count", value: REDIS_ROUND_TRIPS.count },
      ],
    }, {
      name: "chat_redis_lag_seconds",
      help: "Age of the oldest cluster op still waiting for Redis (0 when none waits).",
      type: "gauge",
      samples: one(lagMs / 1000),
    });
  }
  return families;
}
