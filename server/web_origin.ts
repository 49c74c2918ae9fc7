/**
 * Which web pages may open a WebSocket to the server. Browsers send the page's origin with every
 * WebSocket handshake and let any page connect anywhere, so the server decides: the page it
 * serves itself always may; other sites only when the operator lists them (`--web-origin`);
 * programs that send no Origin (bots, tests) are not browsers and may.
 *
 * "Its own page" compares host and port with the request's Host header but not the scheme: behind
 * a reverse proxy that terminates TLS, the page is `https://…` while chat itself sees plain HTTP.
 *
 * @module
 */

/** Normalizes an origin (`https://Example.org:443` → `https://example.org`); undefined if bad. */
export function normalizeOrigin(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
    if (url.pathname !== "/" || url.search || url.hash || url.username || url.password) {
      return undefined;
    }
    return url.origin;
  } catch {
    return undefined;
  }
}

/** `host[:port]` without a default port (80, 443), lower-cased; undefined if not a host. */
function normalizeHost(host: string, scheme: string): string | undefined {
  try {
    return new URL(`${scheme}://${host}`).host;
  } catch {
    return undefined;
  }
}

/**
 * Whether a WebSocket handshake may proceed. `origin` and `host` are the request's headers,
 * `allowed` the normalized `--web-origin` list (`*`: any).
 */
export function originAllowed(
  origin: string | null,
  host: string | null,
  allowed: readonly string[],
): boolean {
  if (origin === null) return true;
  if (allowed.includes("*")) return true;
  const theirs = normalizeOrigin(origin);
  if (theirs === undefined) return false; // "null" (sandboxed frames, file:) and garbage
  const url = new URL(theirs);
  if (host !== null && url.host === normalizeHost(host, url.protocol.slice(0, -1))) return true;
  return allowed.includes(theirs);
}
