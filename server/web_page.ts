/**
 * The HTTP side of the web port: the page's embedded files with caching and security headers.
 * A function from request to response, without sockets, so it is tested directly.
 *
 * @module
 */

import { WEB_ASSETS } from "../web/assets.ts";

/**
 * Headers on every page response: the page may only load its own files (and https images: the
 * avatars users set with draft/metadata-2) and talk to its own server, may not be framed, and
 * leaks no referrer.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "connect-src 'self'; img-src 'self' data: https:; base-uri 'none'; form-action 'none'; " +
    "frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** What the page needs to know of a request. */
export interface PageRequest {
  method: string;
  /** The URL path, without the query. */
  path: string;
  /** The `If-None-Match` header, when there is one. */
  ifNoneMatch: string | null;
}

/** A response to send; `bodyLength` is what `Content-Length` says (a HEAD has no body). */
export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | null;
  bodyLength: number | undefined;
}

const encoder = new TextEncoder();
/** Each asset's body as bytes, encoded once. */
const encoded = new Map<string, Uint8Array>();

/** A short text/plain answer (errors, refusals) with the security headers. */
export function plainResponse(
  status: number,
  text: string,
  extra: Record<string, string> = {},
): PageResponse {
  const body = encoder.encode(`${text}\n`);
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS, ...extra },
    body,
    bodyLength: body.length,
  };
}

/** Answers a non-WebSocket request: GET/HEAD of the page's files, 304s, 404 and 405. */
export function pageResponse(req: PageRequest): PageResponse {
  if (req.method !== "GET" && req.method !== "HEAD") {
    return plainResponse(405, "Method not allowed", { allow: "GET, HEAD" });
  }
  const key = req.path === "/index.html" ? "/" : req.path;
  const asset = WEB_ASSETS[key];
  if (!asset) return plainResponse(404, "Not found");
  const headers = {
    "content-type": asset.type,
    etag: asset.etag,
    // Revalidate every time: a new version of chat must never leave an old page in the cache.
    "cache-control": "no-cache",
    ...SECURITY_HEADERS,
  };
  if (req.ifNoneMatch === asset.etag) {
    return { status: 304, headers, body: null, bodyLength: undefined };
  }
  let body = encoded.get(key);
  if (!body) encoded.set(key, body = encoder.encode(asset.body));
  return {
    status: 200,
    headers,
    body: req.method === "HEAD" ? null : body,
    bodyLength: body.length,
  };
}
