/**
 * One line of a conversation as a DOM element. Everything from the network goes in as text
 * nodes, never as HTML.
 *
 * @module
 */

import { nickHue, stripFormatting } from "./irc.js";
import { canRedact } from "./session.js";

/** @typedef {import("./session.js").Line} Line */

/** @param {number} n */
function two(n) {
  return String(n).padStart(2, "0");
}

/**
 * The list item a line shows as: time, nick, text with links, and a Delete button on the user's
 * own messages where the server allows deleting them.
 * @param {Line} line
 * @returns {HTMLLIElement}
 */
export function lineElement(line) {
  const li = document.createElement("li");
  li.className = line.kind;
  if (line.mention) li.classList.add("mention");
  if (line.history) li.classList.add("history");
  if (line.kind === "divider") {
    li.textContent = line.text;
    return li;
  }
  const time = document.createElement("time");
  time.dateTime = line.time.toISOString();
  time.title = line.time.toLocaleString();
  time.textContent = `${two(line.time.getHours())}:${two(line.time.getMinutes())}`;
  li.append(time);
  if (line.nick !== undefined && line.kind !== "event") {
    if (line.kind === "action") li.append("* ");
    const nick = document.createElement("span");
    nick.className = "nick";
    nick.style.setProperty("--hue", String(nickHue(line.nick)));
    nick.textContent = line.kind === "notice" ? `-${line.nick}-` : line.nick;
    li.append(nick, line.kind === "action" ? " " : ": ");
  }
  li.append(...linkify(stripFormatting(line.text)));
  if (line.self && line.msgid && line.kind !== "event" && canRedact()) {
    // app.js handles the click for the conversation on screen
    const del = document.createElement("button");
    del.type = "button";
    del.className = "delete";
    del.dataset.msgid = line.msgid;
    del.textContent = "Delete";
    del.title = "Delete this message for everyone";
    del.setAttribute("aria-label", "Delete this message");
    li.append(" ", del);
  }
  return li;
}

/**
 * Text with web addresses as links (built as nodes: nothing from the network becomes HTML).
 * @param {string} text
 * @returns {(string | HTMLAnchorElement)[]}
 */
function linkify(text) {
  /** @type {(string | HTMLAnchorElement)[]} */
  const out = [];
  let last = 0;
  for (const m of text.matchAll(/\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]'}]/g)) {
    out.push(text.slice(last, m.index));
    const a = document.createElement("a");
    a.href = m[0];
    a.textContent = m[0];
    a.rel = "noopener noreferrer nofollow";
    a.target = "_blank";
    out.push(a);
    last = (m.index ?? 0) + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}
