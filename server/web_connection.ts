/**
 * One connection to the web port, from its first byte to its end or its upgrade: request heads
 * are read with http_request.ts within a deadline (slowloris, idle keep-alive), pipelined requests
 * are answered in order, request bodies are read and dropped up to a bound, and a valid WebSocket
 * handshake turns the connection into an IRC session. The connection was admitted by the per-IP
 * limits before its first byte was read.
 *
 * @module
 */

import { type ByteStream, closeQuietly, writeAll } from "./byte_stream.ts";
import type { ConnectionOpener } from "./connection.ts";
import { formatPeer } from "./connection.ts";
import {
  field,
  fieldValues,
  keepsAlive,
  MAX_HEAD_BYTES,
  parseRequestHead,
  type RequestHead,
  serializeResponse,
  targetPath,
} from "./http_request.ts";
import type { Logger } from "./log.ts";
import type { OpsRequest } from "./metrics/endpoints.ts";
import { type PageResponse, pageResponse, plainResponse } from "./web_page.ts";
import { WebSocketConnection } from "./websocket_connection.ts";
import { answerHandshake, wantsWebSocket } from "./websocket_handshake.ts";

/** A request body (the page needs none) is read and dropped up to this size; beyond, 413. */
export const MAX_DISCARDED_BODY = 64 * 1024;

/** What serving one web connection needs. */
export interface WebConnectionContext {
  /** Served over TLS (https:, wss:). */
  secure: boolean;
  /** Normalized `--web-origin` entries (`*`: any). */
  origins: readonly string[];
  /** The send queue limit of a WebSocket client. */
  sendq: number;
  /** Time for each request head to arrive, and for each response to be taken. */
  headerTimeoutMs: number;
  log: Logger;
  /** Runs a session on this connection; the session then owns its admission. */
  serve(open: ConnectionOpener): void;
  /**
   * This connection ended without becoming a session; `client` was admitted for it by `forwarded`
   * and is released too.
   */
  release(client?: Deno.NetAddr): void;
  /**
   * Set for a trusted proxy's connection (`--proxy-from`), which was not admitted itself: admits
   * the client a WebSocket request comes from (its forwarding fields name it), or says why not.
   */
  forwarded?(head: RequestHead): { remote: Deno.NetAddr } | { refusal: string };
  /** Answers /metrics and /healthz (metrics/endpoints.ts); undefined for other paths. */
  ops?(req: OpsRequest): PageResponse | undefined;
}

/** How much body a request announces: a byte count, or "refuse" (chunked, huge, malformed). */
function bodyLength(head: RequestHead): number | "refuse" {
  if (fieldValues(head, "transfer-encoding").length > 0) return "refuse";
  const [text, ...more] = fieldValues(head, "content-length");
  if (text === undefined) return 0;
  if (more.length > 0 || !/^\d{1,9}$/.test(text)) return "refuse";
  const length = Number(text);
  return length > MAX_DISCARDED_BODY ? "refuse" : length;
}

/** Serves HTTP on an admitted connection until it closes or becomes a WebSocket session. */
export async function serveWebConnection(
  stream: ByteStream,
  ctx: WebConnectionContext,
): Promise<void> {
  const buf = new Uint8Array(MAX_HEAD_BYTES);
  let filled = 0;
  let upgraded = false;
  /** The client `forwarded` admitted, released here unless its session takes it over. */
  let admitted: Deno.NetAddr | undefined;
  const respond = (res: PageResponse, close: boolean, http10 = false) => {
    const headers: Record<string, string> = { date: new Date().toUTCString(), ...res.headers };
    if (close) headers.connection = "close";
    else if (http10) headers.connection = "keep-alive";
    const bytes = serializeResponse(res.status, headers, res.body, res.bodyLength);
    return writeAll(stream, bytes, ctx.headerTimeoutMs);
  };
  /** Reads more into `buf` before the deadline; false at the end of the stream. */
  const readMore = async (): Promise<boolean> => {
    const n = await stream.read(buf.subarray(filled));
    if (n === null) return false;
    filled += n;
    return true;
  };
  try {
    for (;;) {
      const timer = setTimeout(() => closeQuietly(stream), ctx.headerTimeoutMs);
      let result = parseRequestHead(buf.subarray(0, filled));
      let body = 0;
      try {
        while (result.kind === "incomplete") {
          if (!await readMore()) return;
          result = parseRequestHead(buf.subarray(0, filled));
        }
        if (result.kind === "request") {
          const length = bodyLength(result.head);
          if (length === "refuse") {
            await respond(plainResponse(413, "This server takes no request bodies"), true);
            return;
          }
          // drop the body, so the connection can go on and a reply is not lost to a reset
          body = length;
          let head = result.length;
          while (filled - head < body) {
            body -= filled - head;
            head = filled = 0;
            if (!await readMore()) return;
          }
          result = { ...result, length: head + body };
        }
      } finally {
        clearTimeout(timer);
      }
      if (result.kind === "invalid") {
        await respond(plainResponse(result.status, result.reason), true);
        return;
      }
      const { head, length } = result;
      if (wantsWebSocket(head)) {
        const answer = answerHandshake(head, ctx.origins);
        if (!answer.ok) {
          if (answer.log) {
            ctx.log.info(`${formatPeer(stream.remoteAddr)} WebSocket refused: ${answer.log}`);
          }
          await respond(plainResponse(answer.status, answer.text, answer.fields), true);
          return;
        }
        const client = ctx.forwarded?.(head);
        if (client && "refusal" in client) {
          await respond(plainResponse(429, client.refusal), true);
          return;
        }
        admitted = client?.remote;
        const switching = serializeResponse(101, answer.fields);
        if (!await writeAll(stream, switching, ctx.headerTimeoutMs)) return;
        const early = buf.slice(length, filled);
        const options = {
          mode: answer.mode,
          secure: ctx.secure,
          sendq: ctx.sendq,
          remote: client?.remote,
        };
        upgraded = true;
        ctx.serve((events) => new WebSocketConnection(stream, options, events, early));
        return;
      }
      const close = !keepsAlive(head);
      const path = targetPath(head.target);
      const forwarded = fieldValues(head, "forwarded").length > 0 ||
        fieldValues(head, "x-forwarded-for").length > 0;
      const ops = path === undefined ? undefined : ctx.ops?.({
        method: head.method,
        path,
        remote: stream.remoteAddr.hostname,
        forwarded,
      });
      const res = path === undefined ? plainResponse(400, "Bad request target") : ops ??
        pageResponse({ method: head.method, path, ifNoneMatch: field(head, "if-none-match") });
      if (!await respond(res, close, head.version === "HTTP/1.0") || close) return;
      buf.copyWithin(0, length, filled);
      filled -= length;
    }
  } catch {
    // a read error, or the deadline closed the stream
  } finally {
    if (!upgraded) {
      closeQuietly(stream);
      ctx.release(admitted);
    }
  }
}
