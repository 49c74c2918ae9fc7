/**
 * Draws the page from the session: the conversation list, the lines and members of the one on
 * screen, its title and topic, the status line, the side panels and the login form. Reads the
 * state, changes only the DOM.
 *
 * @module
 */

import { currentBuffer } from "./buffers.js";
import { el } from "./dom.js";
import { nickHue, stripFormatting } from "./irc.js";
import { lineElement } from "./line_view.js";
import { MAX_LINES, state } from "./session.js";

/** @typedef {import("./session.js").Line} Line */

/** Redraws everything that depends on which conversation is on screen. */
export function renderAll() {
  renderBufferList();
  renderMessages();
  renderMembers();
  renderTitle();
}

/** The conversation's name and topic, and the unread total in the tab's title. */
export function renderTitle() {
  const b = currentBuffer();
  el.title.textContent = b.kind === "server" ? state.serverName : b.name;
  el.topic.textContent = b.kind === "channel" ? stripFormatting(b.topic) : "";
  let unread = 0;
  for (const other of state.buffers.values()) unread += other.unread;
  document.title = `${unread ? `(${unread}) ` : ""}${el.title.textContent} · chat`;
}

/**
 * The conversation list with unread badges; each button carries its conversation's key
 * (`data-key`) for app.js's click handler and for Alt+Up/Down.
 */
export function renderBufferList() {
  const items = [...state.buffers.values()].sort((a, b) =>
    a.kind === "server" ? -1 : b.kind === "server" ? 1 : a.key < b.key ? -1 : 1
  );
  el.bufferList.replaceChildren(...items.map((b) => {
    const li = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.key = b.key;
    if (b.key === state.current) button.setAttribute("aria-current", "true");
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = b.kind === "server" ? state.serverName : b.name;
    button.append(name);
    if (b.unread > 0) {
      const badge = document.createElement("span");
      badge.className = b.mention ? "unread mention" : "unread";
      badge.textContent = String(b.unread);
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = b.mention ? " unread, mentions you" : " unread";
      badge.append(hidden);
      button.append(badge);
    }
    li.append(button);
    return li;
  }));
}

/** All lines of the conversation on screen, scrolled to the newest. */
export function renderMessages() {
  const b = currentBuffer();
  el.messages.setAttribute("aria-busy", "true");
  el.messages.replaceChildren(...b.lines.map(lineElement));
  el.messages.removeAttribute("aria-busy");
  el.messages.scrollTop = el.messages.scrollHeight;
}

/**
 * One new line on screen, following it down only when the reader was at the bottom.
 * @param {Line} line
 */
export function appendLine(line) {
  const box = el.messages;
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.append(lineElement(line));
  while (box.childElementCount > MAX_LINES) box.firstElementChild?.remove();
  if (atBottom || line.self) box.scrollTop = box.scrollHeight;
}

/** The member list of the channel on screen (hidden elsewhere), ranked by prefix. */
export function renderMembers() {
  const b = currentBuffer();
  const isChan = b.kind === "channel";
  el.showMembers.hidden = !isChan;
  el.members.hidden = !isChan;
  if (!isChan) return;
  const rank = (/** @type {string} */ p) => p === "" ? 99 : state.prefixes.indexOf(p);
  const members = [...b.members.values()].sort((x, y) =>
    rank(x.prefix) - rank(y.prefix) || (x.nick.toLowerCase() < y.nick.toLowerCase() ? -1 : 1)
  );
  el.membersTitle.textContent = `Members (${members.length})`;
  el.memberList.replaceChildren(...members.map((m) => {
    const li = document.createElement("li");
    const prefix = document.createElement("span");
    prefix.className = "prefix";
    prefix.textContent = m.prefix;
    prefix.setAttribute("aria-hidden", m.prefix ? "false" : "true");
    const nick = document.createElement("span");
    nick.className = "nick";
    nick.style.setProperty("--hue", String(nickHue(m.nick)));
    nick.textContent = m.nick;
    li.append(prefix, nick);
    return li;
  }));
}

/**
 * The status line (announced to screen readers).
 * @param {string} text
 */
export function setStatus(text) {
  el.status.textContent = text;
}

/** The status line once the nick or account changes: who this connection is. */
export function setConnectedStatus() {
  const account = state.account !== undefined ? ` (account ${state.account})` : "";
  setStatus(state.registered ? `Connected as ${state.nick}${account}` : "Connecting…");
}

/**
 * Opens a side panel (narrow screens), closing the other, or closes it.
 * @param {HTMLElement} button
 * @param {HTMLElement} panel
 */
export function togglePanel(button, panel) {
  const open = !panel.classList.contains("open");
  closePanels();
  panel.classList.toggle("open", open);
  button.setAttribute("aria-expanded", String(open));
  if (open) panel.querySelector(/** @type {"button"} */ ("button"))?.focus();
}

/** Closes both side panels. */
export function closePanels() {
  for (
    const [button, panel] of [[el.showChannels, el.channelsPanel], [el.showMembers, el.members]]
  ) {
    panel.classList.remove("open");
    button.setAttribute("aria-expanded", "false");
  }
}

/** Back to the login form after quitting, filled in to connect again as before. */
export function showLogin() {
  el.app.hidden = true;
  el.skip.hidden = true;
  el.showChannels.hidden = true;
  el.showMembers.hidden = true;
  el.login.hidden = false;
  el.nick.value = state.accountName || state.wantedNick || el.nick.value;
  const joined = [...state.buffers.values()].filter((b) => b.kind === "channel")
    .map((b) => b.name);
  if (joined.length > 0) el.channelsToJoin.value = joined.join(",");
  el.nick.focus();
}
