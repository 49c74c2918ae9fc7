/**
 * A message on its way to one or many users, serialized at most once per tag variant.
 *
 * Fan-out to a channel hands the same `Outgoing` to every member; each connection asks for the
 * bytes of the variant its negotiated capabilities call for, and the first such request encodes
 * them for everybody. This is the "message cache" of mature servers.
 *
 * @module
 */

import { type Message, serializeMessage, type Tags } from "../protocol/message.ts";

/** Variant bit: the recipient negotiated `server-time`. */
export const WANTS_TIME = 1;
/** Variant bit: the recipient negotiated `message-tags` (msgid and client-only tags). */
export const WANTS_TAGS = 2;

const encoder = new TextEncoder();

/** A message plus the tags that only some recipients may see. */
export class Outgoing {
  readonly message: Message;
  /** Milliseconds since the epoch; sent as `time=` to `server-time` clients. */
  readonly time: number | undefined;
  /** `msgid` and client-only (`+`) tags, for `message-tags` clients. */
  readonly tags: Tags | undefined;
  readonly #bytes: (Uint8Array | undefined)[] = [undefined, undefined, undefined, undefined];

  constructor(message: Message, time?: number, tags?: Tags) {
    this.message = message;
    this.time = time;
    this.tags = tags;
  }

  /** The CRLF-terminated line for a recipient with the given variant bits. */
  bytes(variant: number): Uint8Array {
    if (this.time === undefined) variant &= ~WANTS_TIME;
    if (this.tags === undefined) variant &= ~WANTS_TAGS;
    return this.#bytes[variant] ??= encoder.encode(this.line(variant) + "\r\n");
  }

  /** The line without CRLF for the given variant (for logs and the plain-text door). */
  line(variant = 0): string {
    let tags: Tags | undefined;
    if (variant & WANTS_TIME && this.time !== undefined) {
      tags = { time: new Date(this.time).toISOString() };
    }
    if (variant & WANTS_TAGS && this.tags) tags = { ...tags, ...this.tags };
    return serializeMessage(this.message, tags);
  }
}
