/**
 * A message on its way to one or many users, serialized at most once per tag variant.
 *
 * Fan-out to a channel hands the same `Outgoing` to every member; each connection asks for the
 * bytes of the variant its negotiated capabilities call for, and the first such request encodes
 * them for everybody. This is the "message cache" of mature servers.
 *
 * @module
 */

import { fitMessage } from "../protocol/line_fit.ts";
import { type Message, serializeMessage, type Tags } from "../protocol/message.ts";
import { LineSlab } from "./line_slab.ts";
import { WANTS_ACCOUNT, WANTS_TAGS, WANTS_TIME } from "./state/tag_variant.ts";

/** Lines for one recipient. */
const direct = new LineSlab();
/** Lines for many recipients, one slab per variant, so that each variant's lines stay adjacent. */
const fannedOut: (LineSlab | undefined)[] = new Array(8);

/** What an `Outgoing` carries besides the message; all optional, named at each call site. */
export interface OutgoingExtras {
  /** Milliseconds since the epoch; sent as `time=` to `server-time` clients. */
  time?: number;
  /** `msgid` and client-only (`+`) tags, for `message-tags` clients. */
  tags?: Tags;
  /** The sender's account, for `account-tag` clients. */
  account?: string;
  /** Tags every recipient gets (`batch`, `label`): only on messages made for one recipient. */
  always?: Tags;
}

/**
 * A message plus the tags that only some recipients may see. Every line the server writes is
 * made here, so this is where it is fitted to 512 bytes (`fitMessage`): whatever a handler, a
 * replayed history row or another cluster node hands over, what goes out (and what PRIVMSG
 * stores, read back from `message`) is the shortened text.
 */
export class Outgoing {
  /** The message as it is sent: its free text already shortened to fit one line. */
  readonly message: Message;
  readonly time: number | undefined;
  readonly tags: Tags | undefined;
  readonly account: string | undefined;
  readonly always: Tags | undefined;
  readonly #bytes: (Uint8Array | undefined)[] = new Array(8);
  #many = false;

  constructor(message: Message, extras: OutgoingExtras = {}) {
    this.message = fitMessage(message);
    this.time = extras.time;
    this.tags = extras.tags;
    this.account = extras.account;
    this.always = extras.always;
  }

  /** The same message with more tags for every recipient (labels, batches). */
  with(always: Tags): Outgoing {
    return new Outgoing(this.message, {
      time: this.time,
      tags: this.tags,
      account: this.account,
      always: { ...this.always, ...always },
    });
  }

  /**
   * Marks a message that goes to many recipients: its lines are kept next to the other fanned-out
   * lines, so a recipient's run of them leaves in one write without copying.
   */
  fanOut(): this {
    this.#many = true;
    return this;
  }

  /** The CRLF-terminated line for a recipient with the given variant bits. */
  bytes(variant: number): Uint8Array {
    if (this.time === undefined) variant &= ~WANTS_TIME;
    if (this.tags === undefined) variant &= ~WANTS_TAGS;
    if (this.account === undefined) variant &= ~WANTS_ACCOUNT;
    return this.#bytes[variant] ??= this.#many
      ? (fannedOut[variant] ??= new LineSlab()).encode(this.line(variant))
      : direct.encode(this.line(variant));
  }

  /** The line without CRLF for the given variant (for logs and the plain-text door). */
  line(variant = 0): string {
    let tags: Tags | undefined = this.always;
    if (variant & WANTS_TIME && this.time !== undefined) {
      tags = { ...tags, time: new Date(this.time).toISOString() };
    }
    if (variant & WANTS_ACCOUNT && this.account !== undefined) {
      tags = { ...tags, account: this.account };
    }
    if (variant & WANTS_TAGS && this.tags) tags = { ...tags, ...this.tags };
    return serializeMessage(this.message, tags);
  }
}
