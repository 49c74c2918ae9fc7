/**
 * Where server bans are kept across restarts: the `server_bans` table of the SQLite database (a
 * cluster keeps them in Redis, cluster/server_bans.ts). Read whole at start; written on each
 * KLINE/DLINE and removal; expired rows are deleted as the tick finds them.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { BanKind, ServerBan } from "../server_bans.ts";

/** Keeps server bans; every node of a cluster sees the same ones. */
export interface BanStore {
  /** Every stored ban, expired ones not yet deleted included. */
  all(): Promise<ServerBan[]>;
  /** Saves (replaces) the ban of the same kind and mask. */
  put(ban: ServerBan): Promise<void>;
  /** Forgets a ban; false when none was stored. */
  delete(kind: BanKind, mask: string): Promise<boolean>;
  /** True when another node may change the bans: they are read again on the tick. */
  readonly shared: boolean;
}

/** Bans in memory only: for stores that have none (tests that bring their own). */
export class MemoryBans implements BanStore {
  readonly shared: boolean = false;
  readonly #bans = new Map<string, ServerBan>();

  all(): Promise<ServerBan[]> {
    return Promise.resolve([...this.#bans.values()]);
  }

  put(ban: ServerBan): Promise<void> {
    this.#bans.set(`${ban.kind} ${ban.mask}`, ban);
    return Promise.resolve();
  }

  delete(kind: BanKind, mask: string): Promise<boolean> {
    return Promise.resolve(this.#bans.delete(`${kind} ${mask}`));
  }
}

interface Row {
  kind: string;
  mask: string;
  reason: string;
  set_by: string;
  set_at: number;
  expires_at: number | null;
}

/** Bans in the SQLite database (migration 9). */
export class SqliteBans implements BanStore {
  readonly shared: boolean = false;
  readonly #put: StatementSync;
  readonly #delete: StatementSync;
  readonly #all: StatementSync;

  constructor(db: DatabaseSync) {
    this.#put = db.prepare(
      `INSERT OR REPLACE INTO server_bans (kind, mask, reason, set_by, set_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#delete = db.prepare("DELETE FROM server_bans WHERE kind = ? AND mask = ?");
    this.#all = db.prepare("SELECT * FROM server_bans");
  }

  all(): Promise<ServerBan[]> {
    const rows = this.#all.all() as unknown as Row[];
    return Promise.resolve(rows.map((r) => ({
      kind: r.kind === "D" ? "D" : "K",
      mask: r.mask,
      reason: r.reason,
      setBy: r.set_by,
      setAt: Number(r.set_at),
      expiresAt: r.expires_at === null ? undefined : Number(r.expires_at),
    })));
  }

  put(ban: ServerBan): Promise<void> {
    this.#put.run(ban.kind, ban.mask, ban.reason, ban.setBy, ban.setAt, ban.expiresAt ?? null);
    return Promise.resolve();
  }

  delete(kind: BanKind, mask: string): Promise<boolean> {
    return Promise.resolve(Number(this.#delete.run(kind, mask).changes) > 0);
  }
}
