/**
 * What a conversation shows and which one is on screen: lines and history go into a
 * conversation's buffer and, when it is the one shown, onto the screen, with unread counts kept.
 *
 * @module
 */

import { currentBuffer } from "./buffers.js";
import { markSeen, refreshUnread } from "./reading.js";
import { MAX_LINES, state } from "./session.js";
import { appendLine, renderAll, renderBufferList, renderMessages, renderTitle } from "./view.js";

/**
 * @typedef {import("./session.js").Buffer} Buffer
 * @typedef {import("./session.js").Line} Line
 */

/**
 * Puts a conversation on screen; what it shows is then read.
 * @param {string} key
 */
export function show(key) {
  if (!state.buffers.has(key)) return;
  state.current = key;
  const b = currentBuffer();
  markSeen(b, true);
  state.completion = undefined;
  renderAll();
}

/**
 * Adds a line to a conversation and to the screen if it is the one shown.
 * @param {Buffer} b
 * @param {Omit<Line, "time"> & { time?: Date }} line
 */
export function addLine(b, line) {
  const full = /** @type {Line} */ ({ time: new Date(), ...line });
  if (full.msgid && b.lines.some((l) => l.msgid === full.msgid)) return;
  b.lines.push(full);
  if (b.lines.length > MAX_LINES) b.lines.splice(0, b.lines.length - MAX_LINES);
  if (b.key === state.current) appendLine(full);
  if (full.at !== undefined && !full.self) {
    if (b.key === state.current) markSeen(b, false);
    else {
      refreshUnread(b);
      renderBufferList();
    }
  }
  renderTitle();
}

/**
 * Puts earlier messages (history) before what the conversation already shows.
 * @param {Buffer} b
 * @param {Line[]} lines
 */
export function addHistory(b, lines) {
  const known = new Set(b.lines.map((l) => l.msgid).filter(Boolean));
  const fresh = lines.filter((l) => !l.msgid || !known.has(l.msgid));
  if (fresh.length === 0) return;
  b.lines = [
    ...fresh,
    { time: new Date(), kind: "divider", text: "earlier messages above" },
    ...b.lines,
  ]
    .slice(-MAX_LINES);
  if (b.key === state.current) {
    renderMessages();
    markSeen(b, true);
  } else refreshUnread(b);
  renderBufferList();
  renderTitle();
}

/**
 * A note from the page itself (help, errors) in the conversation on screen.
 * @param {string} text
 */
export function info(text, kind = "info") {
  addLine(currentBuffer(), { kind, text });
}
