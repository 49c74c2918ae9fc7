/**
 * Fitting a message into one IRC line: 512 bytes including CRLF, tags aside (RFC 1459). A client
 * may send 510 bytes of its own; relayed with the sender's `:nick!user@host` prefix, or with each
 * invalid byte grown into a 3-byte U+FFFD, the same text no longer fits, and clients that hold
 * to the limit drop or cut such a line. So the free text at the end of a message is shortened
 * here, at a code point boundary, as Solanum does.
 *
 * Pure functions over strings; byte lengths are UTF-8 as `TextEncoder` writes it (a lone
 * surrogate counts as the 3 bytes of U+FFFD).
 *
 * @module
 */

import { type Message, serializeMessage, textFrom } from "./message.ts";

/** The longest line, CRLF included and tags aside. */
export const MAX_LINE_BYTES = 512;
/** The same without the CRLF. */
const MAX_LINE_TEXT = MAX_LINE_BYTES - 2;

const CTCP_DELIMITER = "\x01";

const NON_ASCII = /[\u0080-\uffff]/;

/** Bytes `text` takes in UTF-8, without encoding it. */
export function utf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length; // a native scan: most chat text is ASCII
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (isPair(text, i)) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a code point. */
export function truncateUtf8(text: string, maxBytes: number): string {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const pair = c >= 0x800 && isPair(text, i);
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (bytes + size > maxBytes) return text.slice(0, i);
    bytes += size;
    if (pair) i++;
  }
  return text;
}

function isPair(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff) return false;
  const d = text.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}

/**
 * The message with its free-text last parameter (a PRIVMSG's text, a reason, a topic, a realname,
 * a numeric's text) shortened so that the line, tags aside, fits `MAX_LINE_BYTES`; the message
 * itself when it fits. A CTCP message keeps its closing delimiter. Messages whose last parameter
 * is not free text (CAP lists, modes) are never cut: the server builds those to fit.
 */
export function fitMessage(m: Message): Message {
  const params = m.params;
  const last = params.length - 1;
  const text = params.at(-1);
  if (text === undefined || last < textFrom(m.command) || m.command === "CAP") return m;
  // Cheap bounds first (no UTF-16 unit takes more than 3 bytes, and the `_` the serializer may
  // add to a bad middle parameter is covered by the 2 per parameter): short lines return at once,
  // and a long text is measured alone before the whole line is.
  let units = (m.source?.length ?? 0) + m.command.length + 2 * params.length + 2;
  for (const p of params) units += p.length;
  if (units * 3 <= MAX_LINE_TEXT) return m;
  const textBytes = utf8Length(text);
  if ((units - text.length) * 3 + textBytes <= MAX_LINE_TEXT) return m;
  const excess = utf8Length(serializeMessage(m, {})) - MAX_LINE_TEXT;
  if (excess <= 0) return m;
  const room = textBytes - excess;
  const ctcp = text.length > 1 && text.startsWith(CTCP_DELIMITER) && text.endsWith(CTCP_DELIMITER);
  const cut = ctcp
    ? truncateUtf8(text.slice(0, -1), room - 1) + CTCP_DELIMITER
    : truncateUtf8(text, room);
  return { ...m, params: [...params.slice(0, last), room < (ctcp ? 2 : 0) ? "" : cut] };
}
