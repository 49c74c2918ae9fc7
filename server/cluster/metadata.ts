/**
 * METADATA SET in a cluster, the hub's side: the `meta` script (metadata_script.ts) changes the
 * key in Redis and publishes the event every node applies, each telling its own subscribers.
 *
 * @module
 */

import { METADATA_LIMITS, type MetadataTarget } from "../metadata.ts";
import type { User } from "../state/user.ts";
import type { OpResult } from "./cluster_messages.ts";
import type { ScriptName } from "./scripts.ts";

/** What the cluster metadata change needs of its hub (cluster_hub.ts). */
export interface MetadataHost {
  readonly node: string;
  readonly replica: { uidOf(user: User): string | undefined };
  run(name: ScriptName, args: (string | number)[]): Promise<OpResult>;
  settled(seq: number): Promise<void>;
}

/**
 * A cluster hub's `setMetadata`: resolves once this node has applied the change (the setter's
 * reply and next command see it), or at once when the target is gone or Redis dropped it; false
 * when Redis found the target at max-keys already.
 */
export async function setMetadataInCluster(
  host: MetadataHost,
  by: User,
  target: MetadataTarget,
  key: string,
  value: string | undefined,
): Promise<boolean> {
  const id = "user" in target ? host.replica.uidOf(target.user) : target.channel.folded;
  if (id === undefined) return true;
  const kind = "user" in target ? "u" : "c";
  const has = value === undefined ? "" : "1";
  const setter = host.replica.uidOf(by) ?? "";
  const args = [kind, id, key, has, value ?? "", by.source, setter, host.node, Date.now()];
  const r = await host.run("meta", [...args, METADATA_LIMITS.maxKeys]);
  if (!r.ok || typeof r.value !== "number") return true;
  if (r.value > 0) await host.settled(r.value);
  return r.value !== 0;
}
