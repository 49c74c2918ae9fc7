/**
 * Unread counts and read markers on the page: what is read follows what was on screen and the
 * account's marker (`draft/read-marker`), and reading here tells the account's other devices.
 * The counting itself is read_markers.js; this is its glue to the state, the socket and the view.
 *
 * @module
 */

import { formatLine } from "./irc.js";
import { latestSaid, markerParam, parseMarker, unreadOf } from "./read_markers.js";
import { canMark, keyOf, sendLine, state } from "./session.js";
import { renderBufferList, renderTitle } from "./view.js";

/** @typedef {import("./session.js").Buffer} Buffer */

/** A read marker for a conversation being read waits this long for more lines (ms). */
const MARK_DELAY_MS = 500;

/**
 * Counts a conversation's unread lines and mentions again from its lines and `readAt`.
 * @param {Buffer} b
 */
export function refreshUnread(b) {
  const { count, mention } = unreadOf(b.lines, b.readAt, b.kind === "query");
  b.unread = count;
  b.mention = mention;
}

/**
 * A new private conversation asks for the account's marker, to count what is unread in it.
 * @param {Buffer} b
 */
export function askMarker(b) {
  if (b.kind === "query" && canMark()) sendLine(formatLine("MARKREAD", [b.name]));
}

/**
 * The conversation is on screen: what it shows is read, here and (MARKREAD) on the account's
 * other devices. At once when it was just opened, else after a short wait that gathers lines.
 * A page in a hidden tab reads nothing.
 * @param {Buffer} b
 * @param {boolean} now
 */
export function markSeen(b, now) {
  if (document.hidden) {
    refreshUnread(b);
    renderBufferList();
    return;
  }
  const latest = latestSaid(b.lines);
  if (latest !== undefined && (b.readAt === undefined || latest > b.readAt)) b.readAt = latest;
  refreshUnread(b);
  if (b.kind === "server" || latest === undefined || !canMark()) return;
  if (b.marker !== undefined && latest <= b.marker) return;
  clearTimeout(b.markTimer);
  b.markTimer = setTimeout(() => {
    b.markTimer = undefined;
    if (state.buffers.get(b.key) !== b || !canMark()) return;
    if (b.marker === undefined || latest > b.marker) {
      sendLine(formatLine("MARKREAD", [b.name, markerParam(latest)]));
    }
  }, now ? 0 : MARK_DELAY_MS);
}

/**
 * The account's marker for a conversation, told after a JOIN, in answer to ours, or because
 * another device read it: counts change to match.
 * @param {string} target
 * @param {string | undefined} param
 */
export function onMarkRead(target, param) {
  const b = state.buffers.get(keyOf(target));
  const time = parseMarker(param);
  if (!b || time === undefined) return;
  if (b.marker === undefined || time > b.marker) b.marker = time;
  if (b.readAt === undefined || time > b.readAt) b.readAt = time;
  refreshUnread(b);
  renderBufferList();
  renderTitle();
}
