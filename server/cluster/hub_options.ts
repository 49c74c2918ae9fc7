/**
 * What a cluster node is told when it starts (cli/serve.ts → cluster/start.ts → ClusterHub).
 *
 * @module
 */

import type { Logger } from "../log.ts";

/** How a node takes part in the cluster. */
export interface ClusterHubOptions {
  /** This node's id (letters, digits, `-`, `_`). */
  node: string;
  /** The server name of this node (WHOIS, MODE lines made up on resynchronization). */
  serverName: string;
  /** Lease of the node's liveness key; others reap the node this long after it stops. */
  leaseMs: number;
  /** How long changes wait for Redis to come back before their senders are told. */
  holdMs: number;
  /** History kept per conversation (0: no limit). */
  maxPerConversation: number;
  /** Folded names of the permanent channels, whose history outlives them. */
  permanent: ReadonlySet<string>;
  /** Masks per channel in +b, +e and +I together (MAXLIST): Redis refuses more, whichever node asks. */
  maxBans: number;
  log: Logger;
}
