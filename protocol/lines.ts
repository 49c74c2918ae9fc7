/**
 * Splitting a byte stream into IRC lines, in place, with the protocol's length limits.
 *
 * The reader hands each chunk it reads into a reused buffer; complete lines are decoded straight
 * out of that buffer and only an unfinished tail is copied. A CR or NUL inside a line is replaced
 * with U+FFFD so bad bytes never crash anything. Invalid UTF-8 is replaced too, and a handler that
 * refuses it (the server, which advertises UTF8ONLY) is also told the line was not UTF-8.
 *
 * @module
 */

import { concat } from "../util/bytes.ts";

/** Length limits of one line, in bytes. */
export interface LineLimits {
  /** The tag section including `@` and the space after it (IRCv3: 4096 from clients). */
  maxTagBytes: number;
  /** Everything after the tags, without CR/LF (RFC 1459: 512 including CRLF, so 510). */
  maxBodyBytes: number;
}

/** The limits a server applies to what clients send. */
export const CLIENT_LINE_LIMITS: LineLimits = { maxTagBytes: 4096, maxBodyBytes: 510 };

/**
 * The limits a client applies to what servers send: IRCv3 allows 8191 bytes of tags, and the body
 * is accepted up to 8 KiB, far past RFC 1459's 510, because real servers send longer lines and a
 * client that drops them lets a sender hide text from its users.
 */
export const SERVER_LINE_LIMITS: LineLimits = { maxTagBytes: 8191, maxBodyBytes: 8192 };

const LF = 10, CR = 13, AT = 64, SPACE = 32;
/** Shared: lines are decoded whole (never streaming), so one decoder serves every connection. */
const decoder = new TextDecoder();
/** Throws on bytes that are not UTF-8: the check costs nothing on valid lines. */
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
// A CR or NUL inside a line is no terminator, and no character a line may hold (a peer could
// otherwise smuggle a second line past anyone who splits at LF, as this framer does): it becomes
// U+FFFD, as bytes that are not UTF-8 do, so the line stays one line and validators (nicks, tag
// names, channel names) still see that something was there.
const INNER_CONTROL = /[\r\0]/;
const INNER_CONTROLS = /[\r\0]/g;

/**
 * Receives framed lines, never holding CR, LF or NUL; `tooLong` is called once per over-long
 * line, which is dropped. A handler with `invalidUtf8` gets lines that were not UTF-8 there (as
 * text with U+FFFD, to name the command in a reply) instead of `line`: UTF8ONLY servers must not
 * relay them. Without it (clients), such lines arrive through `line`, replaced.
 */
export interface LineHandler {
  line(text: string): void;
  tooLong(): void;
  invalidUtf8?(text: string): void;
}

/** Stateful splitter for one connection's incoming bytes. */
export class LineFramer {
  readonly #limits: LineLimits;
  readonly #maxLine: number;
  #pending: Uint8Array | undefined;
  #discarding = false;

  constructor(limits: LineLimits) {
    this.#limits = limits;
    this.#maxLine = limits.maxTagBytes + limits.maxBodyBytes + 1; // +1 for a CR
  }

  /** Bytes of an unfinished line held between reads. */
  get pendingBytes(): number {
    return this.#pending?.length ?? 0;
  }

  /** Feeds one chunk; `chunk` may be reused by the caller as soon as this returns. */
  push(chunk: Uint8Array, handler: LineHandler): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(LF, start);
      if (nl === -1) break;
      if (this.#discarding) {
        this.#discarding = false;
      } else {
        let bytes = chunk.subarray(start, nl);
        if (this.#pending) {
          bytes = concat([this.#pending, bytes]);
          this.#pending = undefined;
        }
        this.#emit(bytes, handler);
      }
      start = nl + 1;
    }
    if (start === chunk.length || this.#discarding) return;
    const rest = chunk.subarray(start);
    if (this.pendingBytes + rest.length > this.#maxLine) {
      this.#pending = undefined;
      this.#discarding = true;
      handler.tooLong();
      return;
    }
    this.#pending = this.#pending ? concat([this.#pending, rest]) : rest.slice();
  }

  #emit(bytes: Uint8Array, handler: LineHandler): void {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end--;
    if (end === 0) return;
    bytes = bytes.subarray(0, end);
    if (exceedsLimits(bytes, this.#limits)) {
      handler.tooLong();
      return;
    }
    deliverLine(bytes, handler);
  }
}

/**
 * One line's bytes (without CR/LF) as text: invalid UTF-8, and a CR or NUL inside, become U+FFFD.
 * What clients do with what servers send, and what the server shows of a line it refuses.
 */
export function decodeLine(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return INNER_CONTROL.test(text) ? text.replace(INNER_CONTROLS, "\ufffd") : text;
}

/**
 * Hands one line's bytes (within the limits, without CR/LF) to `handler`: the one place that
 * tells valid lines from invalid UTF-8, for every transport (this framer, WebSocket messages).
 */
export function deliverLine(bytes: Uint8Array, handler: LineHandler): void {
  if (!handler.invalidUtf8) return handler.line(decodeLine(bytes));
  const text = decodeStrict(bytes);
  if (text === undefined) handler.invalidUtf8(decodeLine(bytes));
  else handler.line(text);
}

/** Whether `bytes` are UTF-8 (RFC 6455 requires it of a WebSocket text message). */
export function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictDecoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * One line's bytes as text (a CR or NUL inside becomes U+FFFD), or undefined when they are not
 * UTF-8: the check for every transport that refuses invalid UTF-8 (UTF8ONLY).
 */
export function decodeStrict(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
  return INNER_CONTROL.test(text) ? text.replace(INNER_CONTROLS, "\ufffd") : text;
}

/** True when a line (without CR/LF) breaks the tag or body limit. */
export function exceedsLimits(bytes: Uint8Array, limits: LineLimits): boolean {
  let bodyStart = 0;
  if (bytes[0] === AT) {
    const space = bytes.indexOf(SPACE);
    bodyStart = space === -1 ? bytes.length : space + 1;
    if (bodyStart > limits.maxTagBytes) return true;
  }
  return bytes.length - bodyStart > limits.maxBodyBytes;
}
