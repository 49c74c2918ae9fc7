/**
 * RFC 1459 case mapping: the `CASEMAPPING=rfc1459` the server advertises. Nicks and channel names
 * are unique under this folding, so `Alice`, `ALICE` and `alice` are one name, and so are `[x]`
 * and `{x}`.
 *
 * @module
 */

/** The value advertised in ISUPPORT; clients fold names the same way. */
export const CASEMAPPING = "rfc1459";

function needsFolding(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 65 && c <= 90) || (c >= 91 && c <= 94)) return true;
  }
  return false;
}

/** Folds a nick or channel name for use as a map key or for comparison. */
export function foldCase(s: string): string {
  if (!needsFolding(s)) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A-Z -> a-z and [ \ ] ^ -> { | } ~ : both are +32 in ASCII.
    out += (c >= 65 && c <= 90) || (c >= 91 && c <= 94) ? String.fromCharCode(c + 32) : s[i];
  }
  return out;
}

/** True when two names are the same under the server's case mapping. */
export function sameName(a: string, b: string): boolean {
  return a.length === b.length && foldCase(a) === foldCase(b);
}
