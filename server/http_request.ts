/**
 * The pure HTTP/1.1 of the web port: reading a request head out of received bytes, within size
 * limits, and writing a response head. No sockets here: web_connection.ts does the I/O. The web
 * port serves a few static files and WebSocket upgrades, so this is the small strict subset they
 * need (RFC 9112), not a general HTTP server: no request bodies, no chunked encoding.
 *
 * @module
 */

/** A request head larger than this is refused with 431: the page's requests are well under 2 KiB. */
export const MAX_HEAD_BYTES = 8 * 1024;
/** More header fields than this are refused with 431. */
export const MAX_HEADER_FIELDS = 64;

/** One parsed request head. Field names are lower-cased; values are trimmed Latin-1 text. */
export interface RequestHead {
  method: string;
  target: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  fields: [name: string, value: string][];
}

/** What the bytes received so far hold. */
export type HeadResult =
  /** No complete head yet, and still within the limit: read more. */
  | { kind: "incomplete" }
  /** Not a request we can serve: answer `status` and close. */
  | { kind: "invalid"; status: number; reason: string }
  /** A complete head, `length` bytes long including its blank line. */
  | { kind: "request"; head: RequestHead; length: number };

const LF = 10, CR = 13;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values: visible ASCII, space, tab and obs-text; never CR, LF, NUL or other controls. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** origin-form (`/path?query`) or absolute-form; no spaces or controls. */
const TARGET = /^[\x21-\x7e\x80-\xff]+$/;

/** Bytes as Latin-1 text: one character per byte, so nothing is lost or reinterpreted. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i += 4096) {
    text += String.fromCharCode(...bytes.subarray(i, Math.min(end, i + 4096)));
  }
  return text;
}

/** Where the head ends (just past its blank line), or -1. Lines end in CRLF or a bare LF. */
function headEnd(bytes: Uint8Array, from: number, limit: number): number {
  for (let i = bytes.indexOf(LF, from); i !== -1 && i < limit; i = bytes.indexOf(LF, i + 1)) {
    if (bytes[i + 1] === LF) return i + 2;
    if (bytes[i + 1] === CR && bytes[i + 2] === LF) return i + 3;
  }
  return -1;
}

/**
 * Looks for one request head at the start of `bytes`. Empty lines before the request line are
 * skipped (RFC 9112 §2.2); a head longer than `MAX_HEAD_BYTES` is 431 even before it is complete.
 */
export function parseRequestHead(bytes: Uint8Array): HeadResult {
  let start = 0;
  while (start < bytes.length && (bytes[start] === CR || bytes[start] === LF)) start++;
  if (start >= MAX_HEAD_BYTES) return { kind: "invalid", status: 400, reason: "Bad request" };
  const limit = Math.min(bytes.length, MAX_HEAD_BYTES);
  const end = headEnd(bytes, start, limit);
  if (end === -1) {
    return bytes.length >= MAX_HEAD_BYTES
      ? { kind: "invalid", status: 431, reason: "Request header fields too large" }
      : { kind: "incomplete" };
  }
  const lines = latin1(bytes, start, end).split("\n").map((l) => l.replace(/\r$/, ""));
  lines.length -= 2; // the blank line and what follows its LF
  const [requestLine = "", ...fieldLines] = lines;
  const [method = "", target = "", version, ...extra] = requestLine.split(" ");
  if (extra.length > 0 || !TOKEN.test(method) || !TARGET.test(target)) {
    return { kind: "invalid", status: 400, reason: "Bad request line" };
  }
  if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
    return /^HTTP\/\d\.\d$/.test(version ?? "")
      ? { kind: "invalid", status: 505, reason: "HTTP version not supported" }
      : { kind: "invalid", status: 400, reason: "Bad request line" };
  }
  if (fieldLines.length > MAX_HEADER_FIELDS) {
    return { kind: "invalid", status: 431, reason: "Too many header fields" };
  }
  const fields: [string, string][] = [];
  for (const line of fieldLines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon);
    // no space before the colon, no obsolete line folding (RFC 9112 §5.1, §5.2)
    if (colon < 1 || !TOKEN.test(name)) {
      return { kind: "invalid", status: 400, reason: "Bad header field" };
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, "");
    if (!FIELD_VALUE.test(value)) {
      return { kind: "invalid", status: 400, reason: "Bad header field" };
    }
    fields.push([name.toLowerCase(), value]);
  }
  const head: RequestHead = { method, target, version, fields };
  if (version === "HTTP/1.1" && fieldValues(head, "host").length !== 1) {
    return { kind: "invalid", status: 400, reason: "One Host header is required" };
  }
  return { kind: "request", head, length: end };
}

/** Every value of a field, in order (empty when absent). */
export function fieldValues(head: RequestHead, name: string): string[] {
  return head.fields.filter(([n]) => n === name).map(([, v]) => v);
}

/** A field that must appear at most once: its value, null when absent or repeated. */
export function field(head: RequestHead, name: string): string | null {
  const [value, ...more] = fieldValues(head, name);
  return value !== undefined && more.length === 0 ? value : null;
}

/** The lower-cased comma-separated tokens of a list field (`Connection`, `Upgrade`). */
export function fieldTokens(head: RequestHead, name: string): string[] {
  return fieldValues(head, name).flatMap((v) => v.split(",")).map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "");
}

/** Whether the request announces a body (which the web port never needs). */
export function hasBody(head: RequestHead): boolean {
  if (fieldValues(head, "transfer-encoding").length > 0) return true;
  return fieldValues(head, "content-length").some((v) => v !== "0");
}

/** Whether the connection stays open after this request's response (RFC 9112 §9.3). */
export function keepsAlive(head: RequestHead): boolean {
  const connection = fieldTokens(head, "connection");
  if (connection.includes("close")) return false;
  return head.version === "HTTP/1.1" || connection.includes("keep-alive");
}

/** The path of an origin-form or absolute-form target, without the query; undefined if neither. */
export function targetPath(target: string): string | undefined {
  if (!target.startsWith("/") && !/^https?:\/\//i.test(target)) return undefined;
  try {
    return new URL(target, "http://localhost").pathname;
  } catch {
    return undefined;
  }
}

const REASONS: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  304: "Not Modified",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  413: "Content Too Large",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/**
 * A whole response as bytes: status line, `fields` (names as given; values must not hold CR or
 * LF), `Content-Length` when there is a body or `contentLength` says so, and the body.
 */
export function serializeResponse(
  status: number,
  fields: Readonly<Record<string, string>>,
  body: Uint8Array | null = null,
  contentLength = body?.length,
): Uint8Array {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of Object.entries(fields)) head += `${name}: ${value}\r\n`;
  if (contentLength !== undefined) head += `content-length: ${contentLength}\r\n`;
  const headBytes = encoder.encode(head + "\r\n");
  if (!body || body.length === 0) return headBytes;
  const out = new Uint8Array(headBytes.length + body.length);
  out.set(headBytes);
  out.set(body, headBytes.length);
  return out;
}
