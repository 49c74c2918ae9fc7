/**
 * Joins a node to a cluster: connects to Redis, synchronizes, and hands the server its hub and
 * stores.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { ClusterConfig, HistoryConfig, Limits } from "../config.ts";
import type { Logger } from "../log.ts";
import type { Stores } from "../store/stores.ts";
import { ClusterHub } from "./cluster_hub.ts";
import { parseRedisUrl, RedisLink } from "./redis_client.ts";
import { clusterStores } from "./stores.ts";
import { RedisBans } from "./server_bans.ts";

/** How long start-up waits for Redis before giving up. */
const CONNECT_TIMEOUT_MS = 10_000;

/** A node in the cluster: its hub and its stores (closing them leaves the network). */
export interface ClusterNode {
  hub: ClusterHub;
  stores: Stores;
}

/** Node ids become Redis keys and user ids (`<node>/<n>`): a safe alphabet. */
export function isValidNodeId(id: string): boolean {
  return /^[A-Za-z0-9_-]{1,40}$/.test(id);
}

/** A random node id (the default of `--node-id`). */
export function randomNodeId(): string {
  return `node-${crypto.randomUUID().slice(0, 8)}`;
}

/** Connects to Redis and joins the network; throws if Redis cannot be reached. */
export async function startCluster(
  cluster: ClusterConfig,
  server: { name: string; history: HistoryConfig; permanentChannels: string[]; limits: Limits },
  log: Logger,
): Promise<ClusterNode> {
  const target = parseRedisUrl(cluster.url);
  const hub = new ClusterHub({
    node: cluster.nodeId,
    serverName: server.name,
    leaseMs: cluster.leaseMs,
    holdMs: cluster.holdMs,
    maxPerConversation: server.history.maxPerTarget,
    permanent: new Set(server.permanentChannels.map(foldCase)),
    maxBans: server.limits.maxBans,
    log,
  });
  const link = new RedisLink(target, log, hub.linkEvents);
  hub.attach(link);
  log.info(`cluster: node ${cluster.nodeId} joining through Redis at ${link.where}`);
  await link.connect(CONNECT_TIMEOUT_MS);
  try {
    await hub.start();
  } catch (err) {
    link.close();
    throw err;
  }
  return { hub, stores: { ...clusterStores(hub, link, log), bans: new RedisBans(link) } };
}
