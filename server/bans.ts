/**
 * The server bans in force on this node: the ban list (server_bans.ts) kept equal to its store,
 * and told to the server when it changes so that matching users are disconnected. A shared store
 * (a cluster's Redis) is read again on the tick, which is how a ban set or lifted on one node
 * reaches every other, and expired bans are forgotten there too.
 *
 * @module
 */

import type { Logger } from "./log.ts";
import type { User } from "./state/user.ts";
import { type BanKind, BanList, type BanSubject, type ServerBan } from "./server_bans.ts";
import { type BanStore, MemoryBans } from "./store/server_bans.ts";
import { errorMessage } from "../util/error_message.ts";

/** Ticks between reads of a shared store (4 × 250 ms: a second). */
const REFRESH_EVERY_TICKS = 4;

/** The bans this node enforces, and the writes of KLINE, DLINE and their removals. */
export class ServerBans {
  readonly list = new BanList();
  #store: BanStore = new MemoryBans();
  #log: Logger | undefined;
  /** Called after bans were added here or on another node: disconnect who matches now. */
  #changed: () => void = () => {};
  /** Bumped by each local change, so that a read started before it does not undo it. */
  #generation = 0;
  #reading = false;
  #ticks = 0;
  #failing = false;

  /** Uses `store` from now on, with the bans it holds. */
  async load(store: BanStore, log: Logger): Promise<void> {
    this.#store = store;
    this.#log = log;
    this.list.replace(await store.all());
  }

  /** Sets what runs when bans were added (the server's enforcement). */
  onChange(enforce: () => void): void {
    this.#changed = enforce;
  }

  /** Stores and applies a ban; throws when the store cannot be written. */
  async add(ban: ServerBan): Promise<void> {
    await this.#store.put(ban);
    this.#generation++;
    this.list.add(ban);
    this.#changed();
  }

  /** Lifts a ban; false when there was none (here or in the store). */
  async remove(kind: BanKind, mask: string): Promise<boolean> {
    const stored = await this.#store.delete(kind, mask);
    this.#generation++;
    return this.list.remove(kind, mask) || stored;
  }

  /** The D-line a new connection from `ip` falls under, if any. */
  dline(ip: string, now = Date.now()): ServerBan | undefined {
    return this.list.dline(ip, now);
  }

  /** The K-line `who` falls under, if any. */
  kline(who: BanSubject, now = Date.now()): ServerBan | undefined {
    return this.list.kline(who, now);
  }

  /** On the server tick: forgets expired bans and reads a shared store again. */
  tick(now: number): void {
    for (const ban of this.list.expire(now)) {
      this.#log?.info(`${ban.kind}-line ${ban.mask} expired`);
      this.#store.delete(ban.kind, ban.mask).catch((err) => this.#failed(err));
    }
    if (!this.#store.shared || this.#reading || ++this.#ticks % REFRESH_EVERY_TICKS !== 0) return;
    this.#reading = true;
    const generation = this.#generation;
    this.#store.all().then((bans) => {
      this.#failing = false;
      if (generation !== this.#generation) return; // a local change came meanwhile: next time
      if (this.list.replace(bans)) this.#changed();
    }, (err) => this.#failed(err)).finally(() => this.#reading = false);
  }

  /** Logs a store failure once per run of them. */
  #failed(err: unknown): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#log?.warn(`server bans: cannot read or write the store: ${errorMessage(err)}`);
  }
}

/** The ERROR and QUIT text of a connection a D-line ends or refuses. */
export function dlineReason(ban: ServerBan): string {
  return `D-lined: ${ban.reason}`;
}

/** The ERROR and QUIT text (and 465's) of a connection a K-line ends or refuses. */
export function klineReason(ban: ServerBan): string {
  return `K-lined: ${ban.reason}`;
}

/** What a K-line is matched on: the user as others see it, and the address it came from. */
export function banSubject(user: User, ip: string): BanSubject {
  return {
    nick: user.nick,
    username: user.username,
    hostname: user.hostname,
    ip,
    account: user.account,
  };
}

/**
 * Why the connection of `user` from `ip` must end now, if a ban applies: a D-line to any
 * connection, a K-line to a registered one (a registering one meets it at its welcome).
 */
export function connectionBan(
  bans: ServerBans,
  user: User,
  ip: string,
  now: number,
): string | undefined {
  const dline = bans.dline(ip, now);
  if (dline) return dlineReason(dline);
  if (!user.registered) return undefined;
  const kline = bans.kline(banSubject(user, ip), now);
  return kline && klineReason(kline);
}
