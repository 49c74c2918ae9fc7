/**
 * The process's counters: plain numbers the hot paths increment (`COUNTERS.deliveries++`), with
 * no allocation, no lookup and no label sets per event. A scrape reads them (metrics_text.ts);
 * they are never reset, as Prometheus counters must not be. One set per process, as one process
 * is what a scrape describes.
 *
 * @module
 */

/** Why a connection was turned away before its session began. */
export type RefusalReason = "per_ip_limit" | "throttle" | "dline" | "not_serving" | "other";

/** Every counter of the process; fields only ever grow. */
export interface Counters {
  /** Messages (PRIVMSG, NOTICE, TAGMSG, multiline batches) sent by users of this server. */
  messages: number;
  /** Events (messages, joins, ...) delivered to users of this server, once per recipient. */
  deliveries: number;
  /** Sessions cut off because their send queue passed the limit. */
  sendqExceeded: number;
  /** Client lines held back by flood control. */
  floodDelays: number;
  /** Connections refused before their session began, by reason. */
  refused: Record<RefusalReason, number>;
  /** Connections accepted (admitted) on any listener. */
  accepted: number;
  /** Message rows committed to the history store. */
  historyRows: number;
  /** History commits, and the seconds they took in all. */
  historyCommits: number;
  historyCommitSeconds: number;
}

/** The counters of this process. */
export const COUNTERS: Counters = {
  messages: 0,
  deliveries: 0,
  sendqExceeded: 0,
  floodDelays: 0,
  refused: { per_ip_limit: 0, throttle: 0, dline: 0, not_serving: 0, other: 0 },
  accepted: 0,
  historyRows: 0,
  historyCommits: 0,
  historyCommitSeconds: 0,
};

/** Names a refusal text (admission.ts, the server's) as a label value from a closed set. */
export function refusalReason(text: string): RefusalReason {
  if (text.startsWith("Too many connections")) return "per_ip_limit";
  if (text.startsWith("Connecting too fast")) return "throttle";
  if (text.startsWith("D-lined")) return "dline";
  if (text.includes("shutting down") || text.includes("starting")) return "not_serving";
  return "other";
}

/** Notes one history commit of `rows` rows that took `seconds`. */
export function noteHistoryCommit(rows: number, seconds: number): void {
  COUNTERS.historyRows += rows;
  COUNTERS.historyCommits++;
  COUNTERS.historyCommitSeconds += seconds;
}

/** Redis round trips of cluster ops (sent to answered), and their seconds in all. */
export const REDIS_ROUND_TRIPS = { count: 0, seconds: 0 };

/** Notes one Redis round trip that took `seconds`. */
export function noteRedisRoundTrip(seconds: number): void {
  REDIS_ROUND_TRIPS.count++;
  REDIS_ROUND_TRIPS.seconds += seconds;
}

/**
 * The age in milliseconds of the oldest cluster op still waiting for Redis, read at a scrape;
 * set by this process's cluster node (one node per process), undefined outside a cluster.
 */
export const CLUSTER_LAG: { oldestOpAgeMs?: () => number } = {};
