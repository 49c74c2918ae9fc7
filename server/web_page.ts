/**
 * The HTTP side of the web port: the page's embedded files with caching and security headers.
 * A function from request to response, without sockets, so it is tested directly.
 *
 * @module
 */

import { WEB_ASSETS } from "../web/assets.ts";

/**
 * Headers on every page response: the page may only load its own files and talk to its own
 * server, may not be framed, and leaks no referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function plain(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS, ...extra },
  });
}

/** Answers a non-WebSocket request: GET/HEAD of the page's files, 304s, 404 and 405. */
export function pageResponse(req: Request): Response {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return plain(405, "Method not allowed", { allow: "GET, HEAD" });
  }
  const path = new URL(req.url).pathname;
  const asset = WEB_ASSETS[path === "/index.html" ? "/" : path];
  if (!asset) return plain(404, "Not found");
  const headers = {
    "content-type": asset.type,
    etag: asset.etag,
    // Revalidate every time: a new version of chat must never leave an old page in the cache.
    "cache-control": "no-cache",
    ...SECURITY_HEADERS,
  };
  if (req.headers.get("if-none-match") === asset.etag) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(req.method === "HEAD" ? null : asset.body, { headers });
}
