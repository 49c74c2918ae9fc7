/**
 * chat's web page: connects to the server it was loaded from over WebSocket (IRCv3
 * `text.ircv3.net`), keeps one view per channel or private conversation, and renders them.
 * This entry wires the modules together and to the page; each holds one job:
 *
 * - irc.js, read_markers.js: IRC text and unread counting, pure (unit-tested without a browser)
 * - session.js: the shared state; buffers.js: the conversations by key
 * - dom.js, line_view.js, view.js: drawing the page
 * - conversations.js: lines into conversations; reading.js: unread counts and read markers
 * - redaction.js: deleting messages (REDACT)
 * - connection.js, incoming.js, chat_events.js: the socket and what the server says
 * - login.js, input.js: what the user types
 *
 * @module
 */

import { currentBuffer, onCreated } from "./buffers.js";
import { show } from "./conversations.js";
import { el } from "./dom.js";
import { listenToInput } from "./input.js";
import { listenToLogin } from "./login.js";
import { askMarker, markSeen } from "./reading.js";
import { requestDelete } from "./redaction.js";
import { state } from "./session.js";
import { closePanels, renderBufferList, togglePanel } from "./view.js";

onCreated((b) => {
  askMarker(b);
  renderBufferList();
});

el.bufferList.addEventListener("click", (e) => {
  const button = /** @type {Element} */ (e.target).closest("button");
  const key = button?.dataset.key;
  if (key === undefined) return;
  show(key);
  closePanels();
  el.input.focus();
});

el.messages.addEventListener("click", (e) => {
  const button = /** @type {Element} */ (e.target).closest("button.delete");
  const msgid = button instanceof HTMLElement ? button.dataset.msgid : undefined;
  if (msgid !== undefined) requestDelete(currentBuffer(), msgid);
});

listenToInput();
listenToLogin();

document.addEventListener("visibilitychange", () => {
  if (!document.hidden && state.registered) markSeen(currentBuffer(), true);
});

el.showChannels.addEventListener("click", () => togglePanel(el.showChannels, el.channelsPanel));
el.showMembers.addEventListener("click", () => togglePanel(el.showMembers, el.members));
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && document.querySelector(".panel.open")) {
    closePanels();
    el.input.focus();
  }
});

try {
  el.nick.value = localStorage.getItem("chat.nick") ?? "";
} catch { /* storage may be off */ }
el.nick.focus();
