/**
 * What other users say of themselves (IRCv3 draft/metadata-2): their avatar and display name,
 * shown beside their messages. Values come from anyone, so they are kept as plain strings,
 * shown as text, and an avatar only ever becomes an image's address when it is an https URL.
 *
 * @module
 */

import { formatLine } from "./irc.js";
import { keyOf, sendLine, state } from "./session.js";

/** The keys the page subscribes to. */
const KEYS = ["avatar", "display-name"];
/** A display name longer than this is cut (the server allows 300 bytes). */
const MAX_NAME = 64;

/**
 * Profiles by folded nick.
 * @type {Map<string, { avatar?: string, name?: string }>}
 */
const profiles = new Map();

/** Asks for the keys the page shows, when the server offers metadata (before any JOIN). */
export function subscribeMetadata() {
  profiles.clear();
  if (state.caps.has("draft/metadata-2")) sendLine(formatLine("METADATA", ["*", "SUB", ...KEYS]));
}

/**
 * A METADATA line: a user's key set (or removed, without a value). True when what the page
 * shows changed.
 * @param {string[]} params
 */
export function onMetadata(params) {
  const [target, key, , value] = params;
  if (!target || !KEYS.includes(key) || /^[#&]/.test(target)) return false;
  const k = keyOf(target);
  const p = { ...profiles.get(k) };
  if (key === "avatar") p.avatar = safeAvatar(value);
  else p.name = value === undefined ? undefined : value.trim().slice(0, MAX_NAME) || undefined;
  if (p.avatar === undefined && p.name === undefined) profiles.delete(k);
  else profiles.set(k, p);
  return true;
}

/**
 * A nick changed: its profile follows it.
 * @param {string} oldNick
 * @param {string} nick
 */
export function renameProfile(oldNick, nick) {
  const p = profiles.get(keyOf(oldNick));
  if (!p) return;
  profiles.delete(keyOf(oldNick));
  profiles.set(keyOf(nick), p);
}

/**
 * The avatar address and display name of a nick, if it set them.
 * @param {string} nick
 */
export function profileOf(nick) {
  return profiles.get(keyOf(nick));
}

/**
 * An avatar value as an image address: only an absolute https URL without credentials (no
 * `javascript:`, `data:` or plain http, which would leak the reader's address unencrypted).
 * @param {string | undefined} value
 */
function safeAvatar(value) {
  if (value === undefined) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol !== "https:" || url.username || url.password) return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}
