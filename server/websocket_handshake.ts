/**
 * The server's half of the WebSocket opening handshake (RFC 6455 §4.2), without sockets: which
 * upgrade requests are answered with 101, which are refused and how, and the 101 itself with the
 * accept key and the chosen IRCv3 subprotocol.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { field, fieldTokens, fieldValues, type RequestHead } from "./http_request.ts";
import { originAllowed } from "./web_origin.ts";
import { chooseSubprotocol, type WebSocketMode } from "./websocket_protocol.ts";

/** The only version of the protocol there is (RFC 6455 §4.4). */
export const WEBSOCKET_VERSION = "13";
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** `Sec-WebSocket-Accept` for a client's key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** Whether a request asks for a WebSocket at all (`Upgrade: websocket`). */
export function wantsWebSocket(head: RequestHead): boolean {
  return fieldTokens(head, "upgrade").includes("websocket");
}

/** A key is 16 random bytes in base64 (RFC 6455 §4.1): 22 characters and `==`. */
function validKey(key: string | null): key is string {
  return key !== null && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

/** What to answer a WebSocket upgrade request. */
export type HandshakeAnswer =
  /** Switch: send `fields` with a 101, then speak WebSocket in `mode`. */
  | { ok: true; mode: WebSocketMode; fields: Record<string, string> }
  /** Refuse with `status`, `text` and `fields`; `log` says why when it is worth a log line. */
  | { ok: false; status: number; text: string; fields: Record<string, string>; log?: string };

/**
 * Decides on an upgrade request. `origins` is the normalized `--web-origin` list (`*`: any); the
 * page's own origin (the Host header) may always connect.
 */
export function answerHandshake(head: RequestHead, origins: readonly string[]): HandshakeAnswer {
  const refuse = (status: number, text: string, fields: Record<string, string> = {}) => ({
    ok: false as const,
    status,
    text,
    fields,
  });
  if (head.method !== "GET" || head.version !== "HTTP/1.1") {
    return refuse(400, "A WebSocket handshake is a GET over HTTP/1.1");
  }
  if (!fieldTokens(head, "connection").includes("upgrade")) {
    return refuse(400, "A WebSocket handshake needs Connection: Upgrade");
  }
  if (field(head, "sec-websocket-version") !== WEBSOCKET_VERSION) {
    return refuse(426, "Only WebSocket version 13 is spoken here", {
      "sec-websocket-version": WEBSOCKET_VERSION,
    });
  }
  const key = field(head, "sec-websocket-key");
  if (!validKey(key)) return refuse(400, "Bad Sec-WebSocket-Key");
  const [given, ...more] = fieldValues(head, "origin");
  const origin = given === undefined ? null : more.length === 0 ? given : "null";
  if (!originAllowed(origin, field(head, "host"), origins)) {
    return {
      ...refuse(403, "This page's origin may not connect (see --web-origin)"),
      log: `origin ${origin} is not allowed`,
    };
  }
  const offered = fieldValues(head, "sec-websocket-protocol");
  const { mode, protocol } = chooseSubprotocol(offered.length > 0 ? offered.join(",") : null);
  const fields: Record<string, string> = {
    upgrade: "websocket",
    connection: "Upgrade",
    "sec-websocket-accept": acceptKey(key),
  };
  if (protocol) fields["sec-websocket-protocol"] = protocol;
  return { ok: true, mode, fields };
}
