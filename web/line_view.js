/**
 * One line of a conversation as a DOM element. Everything from the network goes in as text
 * nodes, never as HTML.
 *
 * @module
 */

import { nickHue, stripFormatting } from "./irc.js";
import { profileOf } from "./metadata.js";
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
    const profile = profileOf(line.nick);
    if (profile?.avatar) li.append(avatarElement(profile.avatar));
    if (profile?.name) {
      const name = document.createElement("span");
      name.className = "display-name";
      name.textContent = profile.name;
      li.append(name, " ");
    }
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
 * A user's avatar: an https address (metadata.js checked it), small, loaded lazily, without a
 * referrer, and hidden if it does not load.
 * @param {string} src
 */
function avatarElement(src) {
  const img = document.createElement("img");
  img.className = "avatar";
  img.alt = "";
  img.width = 20;
  img.height = 20;
  img.loading = "lazy";
  img.decoding = "async";
  img.referrerPolicy = "no-referrer";
  img.addEventListener("error", () => img.remove());
  img.src = src;
  return img;
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
