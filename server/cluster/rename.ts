/**
 * RENAME in a cluster, the hub's side: the rules, then the `rename` script (rename_script.ts)
 * decides in Redis whether the name is free and publishes the event every node applies.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { RenameOutcome } from "../hub.ts";
import { NAME_IN_USE, renameRefusal } from "../network/rules.ts";
import type { Channel } from "../state/channel.ts";
import type { User } from "../state/user.ts";
import type { OpResult } from "./cluster_messages.ts";
import type { ScriptName } from "./scripts.ts";

/** What the cluster rename needs of its hub (cluster_hub.ts). */
export interface RenameHost {
  readonly node: string;
  run(name: ScriptName, args: (string | number)[]): Promise<OpResult>;
  settled(seq: number): Promise<void>;
}

/**
 * A cluster hub's `rename`: the rules first (network/rules.ts), then Redis decides whether the
 * name is free; resolves once this node has applied the rename (the renamer's next command sees
 * the new name).
 */
export async function renameInCluster(
  host: RenameHost,
  permanent: ReadonlySet<string>,
  by: User,
  channel: Channel,
  name: string,
  reason: string,
): Promise<RenameOutcome> {
  const to = foldCase(name), now = Date.now();
  const refused = renameRefusal(channel, to, permanent, now);
  if (refused) return refused;
  const r = await host.run("rename", [channel.folded, to, name, by.source, reason, host.node, now]);
  if (!r.ok) return { ok: false, code: "CANNOT_RENAME", text: "The network is unavailable" };
  const seq = r.value as number;
  if (seq === 0) return NAME_IN_USE;
  if (seq < 0) return { ok: false, code: "CANNOT_RENAME", text: "The channel is gone" };
  await host.settled(seq);
  return { ok: true };
}
