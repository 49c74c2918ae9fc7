/**
 * Who a web request behind a reverse proxy comes from: the `X-Forwarded-For` or `Forwarded`
 * (RFC 7239) field a trusted proxy (`--proxy-from`) adds. Pure: the request head in, an address
 * out.
 *
 * Each proxy appends the address it got the request from, so the list is read from the right:
 * while the address reached so far is a trusted proxy's, the entry before it is believed; the first
 * untrusted address is the client. Entries a client wrote itself are left of the real ones and are
 * never reached. `X-Forwarded-For` is read when present (nginx, HAProxy, Caddy, Traefik and Envoy
 * add it), `Forwarded` otherwise: a proxy that writes only `Forwarded` must drop a client's
 * `X-Forwarded-For`.
 *
 * @module
 */

import { formatIp, parseIp } from "./cidr.ts";
import { fieldValues, type RequestHead } from "./http_request.ts";

/** The entries of the forwarding field, left to right; undefined for one that is no address. */
export function forwardedEntries(head: RequestHead): (string | undefined)[] {
  const xff = fieldValues(head, "x-forwarded-for");
  if (xff.length > 0) {
    return xff.flatMap((v) => v.split(",")).map((entry) => parseNode(entry.trim()));
  }
  return fieldValues(head, "forwarded").flatMap((v) => splitOutside(v, ",")).map((element) => {
    const pair = splitOutside(element, ";").map((p) => p.trim())
      .find((p) => p.slice(0, 4).toLowerCase() === "for=");
    return pair === undefined ? undefined : parseNode(unquote(pair.slice(4)));
  });
}

/**
 * The client: starting from the peer, each entry from the right replaces the address reached
 * while that address is trusted and the entry is an address.
 */
export function forwardedClient(
  peer: string,
  entries: readonly (string | undefined)[],
  trusted: (ip: string) => boolean,
): string {
  let client = peer;
  for (let i = entries.length - 1; i >= 0 && trusted(client); i--) {
    const entry = entries[i];
    if (entry === undefined) break;
    client = entry;
  }
  return client;
}

/**
 * An address as these fields write it (`192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`,
 * `[2001:db8::1]:4711`), in its usual text; undefined for `unknown`, `_hidden` and anything else.
 */
function parseNode(text: string): string | undefined {
  let host = text;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed) host = bracketed[1]!;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) host = text.slice(0, text.indexOf(":"));
  if (host.length > 45 || host.includes("%")) return undefined;
  const bytes = parseIp(host);
  return bytes === undefined ? undefined : formatIp(bytes);
}

/** A quoted-string's content (RFC 9110), or the token as it is. */
function unquote(value: string): string {
  const v = value.trim();
  if (v.length < 2 || !v.startsWith('"') || !v.endsWith('"')) return v;
  return v.slice(1, -1).replace(/\\(.)/g, "$1");
}

/** Splits at `sep` outside quoted strings. */
function splitOutside(text: string, sep: string): string[] {
  const parts: string[] = [];
  let quoted = false, start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === sep && !quoted) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
