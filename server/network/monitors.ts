/**
 * MONITOR lists (IRCv3 monitor, extended-monitor): which nicks each session of this process
 * watches, and the reverse index a nick's arrival or departure is told through, so that a NICK
 * or QUIT costs as many steps as the nick has watchers, never a pass over every user.
 *
 * A list belongs to a session (one connection), not to its user: each client keeps and re-sends
 * its own list when it connects, as the spec has it, so one device's `MONITOR C` does not empty
 * another's, and a list ends with its connection: nothing of it outlives a socket. In a cluster
 * each node holds its own sessions' lists; every node applies every user's events
 * (network.ts), so each tells its own watchers.
 *
 * Pure state: replies go through the watcher's context (its session's sink).
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { N } from "../../protocol/numerics.ts";
import type { Outgoing } from "../outgoing.ts";
import type { CapFilter, Session } from "../state/session.ts";
import type { User } from "../state/user.ts";

/** A session that watches nicks: how it is answered (a command's `Context` is one). */
export interface Watcher {
  readonly session: Session;
  /** The user it is a session of now (it changes when the session attaches to its account's). */
  readonly user: User;
  reply(numeric: string, ...params: string[]): void;
  answer(out: Outgoing): void;
  has(cap: string): boolean;
  readonly server: { readonly name: string };
}

/** One session's list: folded nick → the nick as the client gave it. */
interface Entry {
  watcher: Watcher;
  targets: Map<string, string>;
}

/** Bytes of targets per 730/731/732 line, well inside the 512 of a line with its prefix. */
const TARGET_BYTES = 400;

/** The MONITOR lists of this process's sessions and the index by watched nick. */
export class Monitors {
  readonly #entries = new Map<Session, Entry>();
  /** Folded nick → the lists holding it. */
  readonly #watchers = new Map<string, Set<Entry>>();

  /** How many nicks a session watches. */
  size(session: Session): number {
    return this.#entries.get(session)?.targets.size ?? 0;
  }

  /** The nicks a session watches, as given. */
  targets(session: Session): string[] {
    return [...this.#entries.get(session)?.targets.values() ?? []];
  }

  /** How many sessions watch `nick` (what its NICK or QUIT costs). */
  watcherCount(nick: string): number {
    return this.#watchers.get(foldCase(nick))?.size ?? 0;
  }

  /** Whether a session watches `nick`. */
  has(session: Session, nick: string): boolean {
    return this.#entries.get(session)?.targets.has(foldCase(nick)) ?? false;
  }

  /** Adds a nick to a session's list; false when it was there already. */
  add(watcher: Watcher, nick: string): boolean {
    let entry = this.#entries.get(watcher.session);
    if (!entry) this.#entries.set(watcher.session, entry = { watcher, targets: new Map() });
    entry.watcher = watcher;
    const folded = foldCase(nick);
    if (entry.targets.has(folded)) return false;
    entry.targets.set(folded, nick);
    let set = this.#watchers.get(folded);
    if (!set) this.#watchers.set(folded, set = new Set());
    set.add(entry);
    return true;
  }

  /** Takes a nick off a session's list. */
  remove(session: Session, nick: string): void {
    const entry = this.#entries.get(session);
    const folded = foldCase(nick);
    if (!entry?.targets.delete(folded)) return;
    this.#unindex(folded, entry);
    if (entry.targets.size === 0) this.#entries.delete(session);
  }

  /** Empties a session's list (`MONITOR C`, or its connection ended or moved away). */
  forget(session: Session): void {
    const entry = this.#entries.get(session);
    if (!entry) return;
    this.#entries.delete(session);
    for (const folded of entry.targets.keys()) this.#unindex(folded, entry);
  }

  /** A user took a nick (registered, or renamed to it): its watchers get 730 with its source. */
  online(user: User): void {
    for (const { watcher } of this.#watchers.get(user.folded) ?? []) {
      watcher.reply(N.RPL_MONONLINE, user.source);
    }
  }

  /**
   * A user changed nick (not only its case): the old one is offline (unless someone else held
   * it meanwhile, a cluster's stale copy), the new one online.
   */
  renamed(user: User, was: { folded: string; nick: string; held: boolean }): void {
    if (was.held) this.offline(was.folded, was.nick);
    this.online(user);
  }

  /** A nick was left (quit, renamed away, its node lost): its watchers get 731. */
  offline(folded: string, nick: string): void {
    for (const { watcher } of this.#watchers.get(folded) ?? []) {
      watcher.reply(N.RPL_MONOFFLINE, nick);
    }
  }

  /**
   * extended-monitor: tells the watchers of `user` that negotiated it (and `filter`'s cap) what
   * its channel neighbours were told, unless their user was among those (`told`).
   */
  toWatchers(user: User, out: Outgoing, told: Set<User>, filter?: CapFilter): void {
    const entries = this.#watchers.get(user.folded);
    if (!entries) return;
    for (const { watcher } of entries) {
      const to = watcher.user;
      // `user` itself heard it as a neighbour, or was left out on purpose (`except`)
      if (to === user || told.has(to) || !watcher.has("extended-monitor")) continue;
      if (!watcher.session.accepts(filter)) continue;
      watcher.answer(out);
    }
  }

  #unindex(folded: string, entry: Entry): void {
    const set = this.#watchers.get(folded);
    if (set?.delete(entry) && set.size === 0) this.#watchers.delete(folded);
  }
}

/** Joins targets with commas into lines of at most `TARGET_BYTES` (a numeric per line). */
export function targetLines(targets: readonly string[]): string[] {
  const lines: string[] = [];
  let line = "";
  for (const t of targets) {
    if (line !== "" && line.length + 1 + t.length > TARGET_BYTES) {
      lines.push(line);
      line = t;
    } else line = line === "" ? t : `${line},${t}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
