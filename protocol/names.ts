/**
 * Nickname and channel-name rules shared by the server (to reject bad names with the right
 * numeric) and the client (to tell channels from nicks).
 *
 * @module
 */

/** Channel prefixes this network supports (ISUPPORT `CHANTYPES`). */
export const CHANTYPES = "#";

/** True when `target` names a channel rather than a nick. */
export function isChannelName(target: string): boolean {
  return target.length > 0 && CHANTYPES.includes(target.charAt(0));
}

const encoder = new TextEncoder();

// RFC 2812: nickname = ( letter / special ) *( letter / digit / special / "-" ),
// special = "[", "]", "\", "`", "_", "^", "{", "|", "}".
const NICK = /^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]*$/;

/** Why a proposed nick is unusable, or `undefined` when it is fine. */
export type NickProblem = "empty" | "too-long" | "invalid";

/** Checks a nickname against RFC 2812's grammar and the advertised NICKLEN. */
export function nickProblem(nick: string, maxLength: number): NickProblem | undefined {
  if (nick.length === 0) return "empty";
  if (nick.length > maxLength) return "too-long";
  if (!NICK.test(nick)) return "invalid";
  return undefined;
}

/**
 * Checks a channel name: a CHANTYPES prefix, at most `maxLength` bytes, and none of space, comma,
 * BEL, NUL, CR, LF or other control characters (RFC 2812 §1.3, stricter on controls), nor U+FFFD,
 * which stands where the client sent bytes that were not UTF-8, or a CR or NUL (lines.ts).
 */
export function isValidChannelName(name: string, maxLength: number): boolean {
  if (name.length < 2 || !isChannelName(name)) return false;
  if (encoder.encode(name).length > maxLength) return false;
  for (let i = 1; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c <= 32 || c === 44 /* , */ || c === 127 || c === 0xfffd) return false;
  }
  return true;
}

/** Longest channel key in bytes (ISUPPORT `KEYLEN`). */
export const KEYLEN = 32;

/**
 * Checks a channel key (MODE +k): 1 to KEYLEN bytes with no space, comma, control character or
 * U+FFFD, and no leading colon (RFC 2812's key grammar, allowing UTF-8), so that it can be given
 * as one item of JOIN's comma list and shown in a MODE line as set. One rule for every +k.
 */
export function isValidKey(key: string): boolean {
  if (key === "" || key.startsWith(":") || encoder.encode(key).length > KEYLEN) return false;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c <= 32 || c === 44 /* , */ || c === 127 || c === 0xfffd) return false;
  }
  return true;
}

/**
 * Matches an IRC mask with `*` and `?` wildcards against a string. Both are expected to be
 * case-folded by the caller.
 */
export function matchMask(mask: string, text: string): boolean {
  let m = 0, t = 0, starM = -1, starT = 0;
  while (t < text.length) {
    if (m < mask.length && (mask[m] === "?" || mask[m] === text[t])) {
      m++;
      t++;
    } else if (m < mask.length && mask[m] === "*") {
      starM = m++;
      starT = t;
    } else if (starM !== -1) {
      m = starM + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (m < mask.length && mask[m] === "*") m++;
  return m === mask.length;
}
