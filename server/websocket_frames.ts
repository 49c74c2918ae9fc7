/**
 * RFC 6455 framing, without sockets: an incremental reader of client frames that refuses what a
 * server must refuse (unmasked frames, reserved bits, bad control frames, stray continuations)
 * and, before buffering a byte of payload, any message larger than its cap, and text messages that
 * are not UTF-8; and the writer of the server's frames.
 *
 * @module
 */

import { isUtf8 } from "../protocol/lines.ts";

/** Frame opcodes (RFC 6455 §5.2). */
export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close codes the server sends (RFC 6455 §7.4.1). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  invalidData: 1007,
  policy: 1008,
  tooBig: 1009,
} as const;

/**
 * The largest message a client may send: an IRC line is at most 4096 bytes of tags and 512 of
 * message (protocol/lines.ts), so 8 KiB leaves room and a bigger message is not IRC. The line
 * limits then answer 417 for lines between the IRC limits and this.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024;
/** Control frames carry at most this much (RFC 6455 §5.5). */
const MAX_CONTROL_PAYLOAD = 125;
const EMPTY = new Uint8Array(0);

/** What the reader found in the bytes it was given. */
export type FrameEvent =
  /** A complete data message (its fragments joined), unmasked. */
  | { kind: "message"; binary: boolean; data: Uint8Array }
  | { kind: "ping"; data: Uint8Array }
  | { kind: "pong" }
  /** The client closes; `code` undefined when its close frame had none. */
  | { kind: "close"; code: number | undefined }
  /** The client broke the protocol: close with `code`; the reader reads nothing more. */
  | { kind: "error"; code: number; reason: string };

/** Close codes a peer may send (RFC 6455 §7.4.1, §7.4.2). */
function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/**
 * Reads client frames incrementally. It holds at most one frame header (14 bytes), one control
 * frame's payload (125 bytes) and one message of at most `maxMessage` bytes, allocated as the
 * frame headers announce it.
 */
export class FrameReader {
  readonly #maxMessage: number;
  /** A frame header being collected (2–14 bytes). */
  readonly #header = new Uint8Array(14);
  readonly #headerView = new DataView(this.#header.buffer);
  #headerLength = 0;
  /** The frame being read: its opcode, FIN, mask and the payload bytes still to come. */
  #opcode = 0;
  #fin = false;
  readonly #mask = new Uint8Array(4);
  #remaining = 0;
  #inPayload = false;
  /** Payload bytes read so far of the current frame (for the mask's phase). */
  #offset = 0;
  /** Whether the first two bytes of the header being collected were checked. */
  #checked = false;
  /** A control frame's payload. */
  #control: Uint8Array | undefined;
  /** The data message being assembled: its fragments so far, then the current frame's. */
  #message = EMPTY;
  #messageBytes = 0;
  /** The opcode of the data message being assembled, 0 when none. */
  #messageOpcode = 0;
  #done = false;

  constructor(maxMessage = MAX_MESSAGE_BYTES) {
    this.#maxMessage = maxMessage;
  }

  /**
   * Feeds received bytes; `emit` is called for each event, in order. Returns false once the
   * connection is over (a close frame or a protocol error): later bytes are ignored.
   */
  push(bytes: Uint8Array, emit: (event: FrameEvent) => void): boolean {
    let at = 0;
    while (!this.#done && at < bytes.length) {
      if (!this.#inPayload) {
        at = this.#readHeader(bytes, at, emit);
        continue;
      }
      const n = Math.min(this.#remaining, bytes.length - at);
      this.#take(bytes.subarray(at, at + n));
      at += n;
      this.#remaining -= n;
      if (this.#remaining === 0) this.#endFrame(emit);
    }
    return !this.#done;
  }

  /** Collects header bytes from `bytes[at..]`; once complete, checks and starts the frame. */
  #readHeader(bytes: Uint8Array, at: number, emit: (event: FrameEvent) => void): number {
    const header = this.#header;
    const view = this.#headerView;
    at = this.#collect(bytes, at, 2);
    if (this.#headerLength < 2) return at;
    const code = view.getUint8(1) & 0x7f;
    const needed = 2 + (code === 126 ? 2 : code === 127 ? 8 : 0) + 4;
    // a header is checked as soon as its first two bytes are in, before its length is
    if (!this.#checked) {
      this.#checked = true;
      if (!this.#checkStart(emit)) return bytes.length;
    }
    at = this.#collect(bytes, at, needed);
    if (this.#headerLength < needed) return at;
    this.#headerLength = 0;
    this.#checked = false;
    let length = code;
    if (code === 126) length = view.getUint16(2);
    else if (code === 127) {
      const high = view.getUint32(2);
      if (high >= 0x80000000) return this.#fail(emit, CLOSE.protocolError, "Bad frame length");
      // anything past 2^32 is far past any cap: keep it as a number that is too big
      length = high * 0x100000000 + view.getUint32(6);
    }
    this.#mask.set(header.subarray(needed - 4, needed));
    if ((this.#opcode & 0x8) !== 0) {
      this.#control = new Uint8Array(length); // at most 125 bytes: checked with the first two
    } else {
      const needed = this.#messageBytes + length;
      if (needed > this.#maxMessage) return this.#fail(emit, CLOSE.tooBig, "Message too big");
      if (needed > this.#message.length) {
        // the last frame gets the exact size; fragments before it grow the buffer by doubling
        const size = this.#fin
          ? needed
          : Math.min(this.#maxMessage, Math.max(needed, this.#message.length * 2));
        const grown = new Uint8Array(size);
        grown.set(this.#message.subarray(0, this.#messageBytes));
        this.#message = grown;
      }
    }
    this.#remaining = length;
    this.#offset = 0;
    this.#inPayload = true;
    if (length === 0) this.#endFrame(emit);
    return at;
  }

  /** Copies header bytes from `bytes[at..]` until the header holds `upTo`; returns the new `at`. */
  #collect(bytes: Uint8Array, at: number, upTo: number): number {
    const n = Math.max(0, Math.min(upTo - this.#headerLength, bytes.length - at));
    this.#header.set(bytes.subarray(at, at + n), this.#headerLength);
    this.#headerLength += n;
    return at + n;
  }

  /** Checks the first two header bytes: flags, opcode, mask bit, message state. */
  #checkStart(emit: (event: FrameEvent) => void): boolean {
    const b0 = this.#headerView.getUint8(0);
    const b1 = this.#headerView.getUint8(1);
    if ((b0 & 0x70) !== 0) return this.#refuse(emit, CLOSE.protocolError, "Reserved bits set");
    if ((b1 & 0x80) === 0) return this.#refuse(emit, CLOSE.protocolError, "Unmasked frame");
    const opcode = b0 & 0x0f;
    const fin = (b0 & 0x80) !== 0;
    this.#opcode = opcode;
    this.#fin = fin;
    switch (opcode) {
      case OPCODE.close:
      case OPCODE.ping:
      case OPCODE.pong:
        if (!fin) return this.#refuse(emit, CLOSE.protocolError, "Fragmented control frame");
        if ((b1 & 0x7f) > MAX_CONTROL_PAYLOAD) {
          return this.#refuse(emit, CLOSE.protocolError, "Control frame too long");
        }
        return true;
      case OPCODE.text:
      case OPCODE.binary:
        if (this.#messageOpcode !== 0) {
          return this.#refuse(emit, CLOSE.protocolError, "Expected a continuation frame");
        }
        this.#messageOpcode = opcode;
        return true;
      case OPCODE.continuation:
        if (this.#messageOpcode === 0) {
          return this.#refuse(emit, CLOSE.protocolError, "Continuation without a message");
        }
        return true;
      default:
        return this.#refuse(emit, CLOSE.protocolError, "Unknown opcode");
    }
  }

  /** Unmasks payload bytes into the control frame's or the message's buffer. */
  #take(bytes: Uint8Array): void {
    const control = (this.#opcode & 0x8) !== 0;
    const into = control ? this.#control! : this.#message;
    const base = control ? 0 : this.#messageBytes;
    const mask = this.#mask;
    let offset = this.#offset;
    // i < bytes.length, and offset & 3 < 4 = mask.length
    for (let i = 0; i < bytes.length; i++, offset++) {
      into[base + offset] = bytes[i]! ^ mask[offset & 3]!;
    }
    this.#offset = offset;
  }

  #endFrame(emit: (event: FrameEvent) => void): void {
    this.#inPayload = false;
    const opcode = this.#opcode;
    if ((opcode & 0x8) !== 0) {
      const data = this.#control!;
      this.#control = undefined;
      if (opcode === OPCODE.ping) emit({ kind: "ping", data });
      else if (opcode === OPCODE.pong) emit({ kind: "pong" });
      else this.#closeFrame(data, emit);
      return;
    }
    this.#messageBytes += this.#offset;
    if (!this.#fin) return;
    const data = this.#message.subarray(0, this.#messageBytes);
    const binary = this.#messageOpcode === OPCODE.binary;
    // RFC 6455 §8.1: a text message that is not UTF-8 fails the connection
    if (!binary && !isUtf8(data)) {
      this.#fail(emit, CLOSE.invalidData, "Text message is not UTF-8");
      return;
    }
    this.#message = EMPTY; // handed over with the event
    this.#messageBytes = 0;
    this.#messageOpcode = 0;
    emit({ kind: "message", binary, data });
  }

  #closeFrame(data: Uint8Array, emit: (event: FrameEvent) => void): void {
    if (data.length === 1) {
      this.#fail(emit, CLOSE.protocolError, "Bad close frame");
      return;
    }
    const code = data.length >= 2
      ? new DataView(data.buffer, data.byteOffset, data.byteLength).getUint16(0)
      : undefined;
    if (code !== undefined && !validCloseCode(code)) {
      this.#fail(emit, CLOSE.protocolError, "Bad close code");
      return;
    }
    this.#done = true;
    emit({ kind: "close", code });
  }

  /** Reports a protocol error and stops; returns where reading stopped (nowhere: all done). */
  #fail(emit: (event: FrameEvent) => void, code: number, reason: string): number {
    this.#refuse(emit, code, reason);
    return Number.MAX_SAFE_INTEGER;
  }

  #refuse(emit: (event: FrameEvent) => void, code: number, reason: string): false {
    this.#done = true;
    this.#message = EMPTY;
    this.#control = undefined;
    emit({ kind: "error", code, reason });
    return false;
  }
}

/**
 * One frame as bytes, FIN set: unmasked as a server sends them, or masked with `mask` as a
 * client must (tests speak as clients).
 */
export function encodeFrame(opcode: number, payload: Uint8Array, mask?: Uint8Array): Uint8Array {
  const length = payload.length;
  const extended = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const headerLength = 2 + extended + (mask ? 4 : 0);
  const frame = new Uint8Array(headerLength + length);
  frame[0] = 0x80 | opcode;
  frame[1] = (mask ? 0x80 : 0) | (extended === 0 ? length : extended === 2 ? 126 : 127);
  const view = new DataView(frame.buffer);
  if (extended === 2) view.setUint16(2, length);
  else if (extended === 8) view.setBigUint64(2, BigInt(length));
  if (mask) {
    frame.set(mask, 2 + extended);
    const key = frame.subarray(2 + extended, headerLength); // 4 bytes, whatever `mask` held
    // i < length = payload.length, and i & 3 < 4 = key.length
    for (let i = 0; i < length; i++) frame[headerLength + i] = payload[i]! ^ key[i & 3]!;
  } else {
    frame.set(payload, headerLength);
  }
  return frame;
}

/** A close frame's payload: the code, then a short UTF-8 reason. */
export function closePayload(code: number, reason = ""): Uint8Array {
  const text = new TextEncoder().encode(reason).subarray(0, MAX_CONTROL_PAYLOAD - 2);
  const payload = new Uint8Array(2 + text.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(text, 2);
  return payload;
}
