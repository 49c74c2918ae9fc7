// @ts-check
/**
 * Unread counts from read markers (IRCv3 `draft/read-marker`). A conversation's unread messages
 * are those newer than the account's marker, which the server keeps and tells every device, so
 * each device counts the same. No DOM and no sockets here, so the tests import this file directly.
 *
 * @module
 */

/**
 * What a conversation line needs for counting: when the server says it was sent (ms), whether
 * we sent it, and whether it came from history rather than live.
 * @typedef {{ kind: string, at?: number, self?: boolean, mention?: boolean,
 *   history?: boolean }} CountedLine
 */

/** Kinds of lines that someone said, the only ones that can be unread. */
const SAID = new Set(["message", "action", "notice"]);

/**
 * The time of a `timestamp=YYYY-MM-DDThh:mm:ss.sssZ` parameter in ms; undefined for `*` (no
 * marker) or anything malformed.
 * @param {string | undefined} param
 * @returns {number | undefined}
 */
export function parseMarker(param) {
  const m = /^timestamp=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?Z)$/.exec(param ?? "");
  const time = m ? Date.parse(m[1] ?? "") : NaN;
  return Number.isFinite(time) ? time : undefined;
}

/**
 * The MARKREAD parameter for a time.
 * @param {number} time ms since the epoch
 */
export function markerParam(time) {
  return `timestamp=${new Date(time).toISOString()}`;
}

/**
 * The newest time of a line someone said, or undefined: what a MARKREAD for a conversation
 * that was displayed says was read.
 * @param {readonly CountedLine[]} lines
 * @returns {number | undefined}
 */
export function latestSaid(lines) {
  let latest;
  for (const l of lines) {
    if (SAID.has(l.kind) && l.at !== undefined && (latest === undefined || l.at > latest)) {
      latest = l.at;
    }
  }
  return latest;
}

/**
 * How many lines are unread after `readAt`, and whether one of them mentions us (any does in a
 * private conversation). Our own lines are never unread. Without a marker (`readAt` undefined:
 * none kept yet, or no account) only lines that arrived live count, not history.
 * @param {readonly CountedLine[]} lines
 * @param {number | undefined} readAt
 * @param {boolean} private_ a private conversation, where every unread line is for us
 * @returns {{ count: number, mention: boolean }}
 */
export function unreadOf(lines, readAt, private_ = false) {
  let count = 0;
  let mention = false;
  for (const l of lines) {
    if (!SAID.has(l.kind) || l.self) continue;
    const unread = readAt === undefined ? !l.history : l.at !== undefined && l.at > readAt;
    if (!unread) continue;
    count++;
    if (l.mention || private_) mention = true;
  }
  return { count, mention };
}
