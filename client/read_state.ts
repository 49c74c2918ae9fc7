/**
 * What the user has seen and read, per conversation, across reconnects: the newest line shown
 * (so a history replay after a reconnect or an attach shows only what is new, and does not flag
 * its mentions again), the account's read marker (`draft/read-marker`, which other devices move
 * too) and the lines of other conversations newer than it: the unread counts. Pure: fed lines and
 * markers, no I/O.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";

/** Unread lines remembered per conversation; past this the count shows as at least this. */
export const MAX_UNREAD = 999;

/**
 * The parts of a shown line (a `ChatEvent`, described here so that the state does not import
 * the events that read it) the read state judges.
 */
export interface ShownLine {
  kind: string;
  time: Date;
  conversation?: string;
  own?: boolean;
  fromServer?: boolean;
  /** Cleared for a replayed line already read. */
  mention?: boolean;
}

/** The newest line shown in a conversation: its time and the msgids shown at that time. */
interface Shown {
  time: number;
  ids: Set<string>;
}

/** How a line arrived, for `ReadState.admit`. */
export interface Arrival {
  /** True when it is part of a history replay (a `chathistory` batch), not a live line. */
  replayed: boolean;
  /** Its `msgid` tag, if the server sent one. */
  msgid?: string;
  /** The conversation the user is looking at (its lines are read as they are shown). */
  current: string | undefined;
}

/** True for lines a person wrote: what is counted as unread and deduplicated. */
function isChatLine(e: ShownLine): boolean {
  return (e.kind === "message" || e.kind === "action" || e.kind === "notice") &&
    e.conversation !== undefined && !e.fromServer;
}

/** Shown lines, read markers and unread lines, by folded conversation name. */
export class ReadState {
  readonly #shown = new Map<string, Shown>();
  readonly #markers = new Map<string, number>();
  /** Times of lines newer than the marker, oldest first, at most MAX_UNREAD. */
  readonly #unread = new Map<string, number[]>();

  /**
   * Decides whether to show `e` and records it: false for a replayed line that is not newer than
   * the newest one already shown there (it was shown before). A replayed line the read marker
   * already covers is shown without its mention flag (it was read on another device). A line
   * shown outside the current conversation, by someone else, after the marker, counts as unread.
   */
  admit(e: ShownLine, arrival: Arrival): boolean {
    if (!isChatLine(e)) return true;
    const key = foldCase(e.conversation!);
    const time = e.time.getTime();
    if (arrival.replayed && this.#wasShown(key, time, arrival.msgid)) return false;
    const marker = this.#markers.get(key);
    const read = marker !== undefined && time <= marker;
    if (arrival.replayed && read) e.mention = false;
    this.#recordShown(key, time, arrival.msgid);
    const looking = arrival.current !== undefined && foldCase(arrival.current) === key;
    if (!e.own && !read && !looking) this.#addUnread(key, time);
    return true;
  }

  #wasShown(key: string, time: number, msgid: string | undefined): boolean {
    const shown = this.#shown.get(key);
    if (shown === undefined || time > shown.time) return false;
    if (time < shown.time) return true;
    // the same millisecond: only the msgid tells lines apart; without one, assume shown
    return msgid === undefined || shown.ids.has(msgid);
  }

  #recordShown(key: string, time: number, msgid: string | undefined): void {
    const shown = this.#shown.get(key);
    if (shown === undefined || time > shown.time) {
      this.#shown.set(key, { time, ids: new Set(msgid === undefined ? [] : [msgid]) });
    } else if (time === shown.time && msgid !== undefined) {
      shown.ids.add(msgid);
    }
  }

  #addUnread(key: string, time: number): void {
    const list = this.#unread.get(key) ?? [];
    let i = list.length;
    while (i > 0 && list[i - 1]! > time) i--;
    list.splice(i, 0, time);
    if (list.length > MAX_UNREAD) list.shift();
    this.#unread.set(key, list);
  }

  /** The time of the newest line shown in `conversation`, if any. */
  newestShown(conversation: string): number | undefined {
    return this.#shown.get(foldCase(conversation))?.time;
  }

  /** The read marker of `conversation` as last heard or set, if any. */
  marker(conversation: string): number | undefined {
    return this.#markers.get(foldCase(conversation));
  }

  /**
   * Takes a marker (from a MARKREAD, or one this client is about to send): it only moves
   * forward, and the unread lines it covers stop counting. Returns true when it moved.
   */
  setMarker(conversation: string, time: number): boolean {
    const key = foldCase(conversation);
    const was = this.#markers.get(key);
    if (was !== undefined && time <= was) return false;
    this.#markers.set(key, time);
    const list = this.#unread.get(key);
    if (list !== undefined) {
      const left = list.filter((t) => t > time);
      if (left.length > 0) this.#unread.set(key, left);
      else this.#unread.delete(key);
    }
    return true;
  }

  /** Forgets the unread lines of `conversation` (the user is looking at it). */
  clearUnread(conversation: string): void {
    this.#unread.delete(foldCase(conversation));
  }

  /** How many lines of `conversation` are unread (at most MAX_UNREAD). */
  unread(conversation: string): number {
    return this.#unread.get(foldCase(conversation))?.length ?? 0;
  }

  /** The conversations among `windows` with unread lines, in window order, with their counts. */
  unreadCounts(windows: readonly string[]): [string, number][] {
    return windows.map((w): [string, number] => [w, this.unread(w)]).filter(([, n]) => n > 0);
  }
}

/** `MARKREAD <target> timestamp=…|*` as the conversation and time, if it is well formed. */
export function parseMarkread(
  params: readonly string[],
): { target: string; time: number | undefined } | undefined {
  const [target, stamp] = params;
  if (target === undefined || target === "" || stamp === undefined) return undefined;
  if (stamp === "*") return { target, time: undefined };
  if (!stamp.startsWith("timestamp=")) return undefined;
  const time = Date.parse(stamp.slice(10));
  return Number.isFinite(time) ? { target, time } : undefined;
}
