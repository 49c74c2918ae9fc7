/**
 * The pure parts of IRC over WebSocket (IRCv3 `websocket`): choosing the subprotocol, and cutting
 * the server's CRLF-terminated output into the one-line messages the spec asks for.
 *
 * @module
 */

/** The IRCv3 subprotocols, by the frame type they use. */
export const SUBPROTOCOLS = {
  text: "text.ircv3.net",
  binary: "binary.ircv3.net",
} as const;

/**
 * How one connection frames its messages: `text` and `binary` as negotiated; `fallback` when the
 * client asked for neither (legacy clients): either frame type is read, text frames are sent.
 */
export type WebSocketMode = "text" | "binary" | "fallback";

/**
 * Picks the subprotocol from the client's `Sec-WebSocket-Protocol` list, honouring its order of
 * preference as the spec requires; `protocol` undefined means none is sent back.
 */
export function chooseSubprotocol(
  offered: string | null,
): { mode: WebSocketMode; protocol: string | undefined } {
  for (const item of (offered ?? "").split(",")) {
    const name = item.trim();
    if (name === SUBPROTOCOLS.text) return { mode: "text", protocol: name };
    if (name === SUBPROTOCOLS.binary) return { mode: "binary", protocol: name };
  }
  return { mode: "fallback", protocol: undefined };
}

const LF = 10, CR = 13;

/**
 * Splits bytes at LF into lines without CR/LF, skipping empty ones. The subarrays share `bytes`'s
 * memory: copy them before keeping them.
 */
export function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end === -1) end = bytes.length;
    let stop = end;
    while (stop > start && (bytes[stop - 1] === CR || bytes[stop - 1] === LF)) stop--;
    if (stop > start) lines.push(bytes.subarray(start, stop));
    start = end + 1;
  }
  return lines;
}
