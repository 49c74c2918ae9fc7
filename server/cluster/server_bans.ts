/**
 * Server bans in Redis, shared by every node: one hash (`bans`, kind and mask → the ban as
 * JSON). Nothing is replicated through events: each node reads the hash again on its tick
 * (bans.ts), so a KLINE set on one node reaches the users of every other within a second, and a
 * node that was away finds the current bans when it is back.
 *
 * @module
 */

import { type BanKind, keyOf, type ServerBan } from "../server_bans.ts";
import type { BanStore } from "../store/server_bans.ts";
import type { RedisLink } from "./redis_client.ts";
import { PREFIX } from "./scripts.ts";

const KEY = `${PREFIX}bans`;

/** Bans in the cluster's Redis. */
export class RedisBans implements BanStore {
  readonly shared = true;
  readonly #link: RedisLink;

  constructor(link: RedisLink) {
    this.#link = link;
  }

  async all(): Promise<ServerBan[]> {
    const raw = await this.#link.cmd.hgetall(KEY);
    const bans: ServerBan[] = [];
    for (const value of Object.values(raw)) {
      try {
        bans.push(JSON.parse(value) as ServerBan);
      } catch { /* not ours: skipped */ }
    }
    return bans;
  }

  async put(ban: ServerBan): Promise<void> {
    await this.#link.cmd.hset(KEY, keyOf(ban.kind, ban.mask), JSON.stringify(ban));
  }

  async delete(kind: BanKind, mask: string): Promise<boolean> {
    return (await this.#link.cmd.hdel(KEY, keyOf(kind, mask))) > 0;
  }
}
