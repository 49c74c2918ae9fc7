/**
 * WHOWAS: the last few identities each nick had, for the nicks most recently given up. One
 * bounded store for the single-process hub and the cluster's replica alike.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import type { WhowasEntry } from "../hub.ts";
import type { User } from "../state/user.ts";

/** Entries kept per nick, newest first. */
export const WHOWAS_PER_NICK = 5;
/** Nicks kept; the one given up longest ago goes first. */
export const WHOWAS_NICKS = 1000;

/** Past users of nicks, bounded in both directions. */
export class Whowas {
  /** Folded nick → entries, newest first; the map's order is oldest to newest. */
  readonly #byNick = new Map<string, WhowasEntry[]>();

  /** Past users of `nick`, newest first. */
  lookup(nick: string): readonly WhowasEntry[] {
    return this.#byNick.get(foldCase(nick)) ?? [];
  }

  /** What a user is now, to `remember` once it is given up (a NICK change, a QUIT). */
  static snapshot(user: User, at: number): WhowasEntry {
    const { nick, username, hostname, realname } = user;
    return { nick, username, hostname, realname, at };
  }

  remember(entry: WhowasEntry): void {
    const key = foldCase(entry.nick);
    const list = this.#byNick.get(key) ?? [];
    list.unshift(entry);
    if (list.length > WHOWAS_PER_NICK) list.length = WHOWAS_PER_NICK;
    this.#byNick.delete(key); // re-inserted: the map stays ordered oldest to newest
    this.#byNick.set(key, list);
    if (this.#byNick.size > WHOWAS_NICKS) this.#byNick.delete(this.#byNick.keys().next().value!);
  }
}
