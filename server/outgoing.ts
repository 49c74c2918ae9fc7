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
import { type Message, msg, serializeMessage, type Tags } from "../protocol/message.ts";
import { LineSlab } from "./line_slab.ts";
import type { TextLine } from "./state/multiline_batch.ts";
import { WANTS_ACCOUNT, WANTS_MULTILINE, WANTS_TAGS, WANTS_TIME } from "./state/tag_variant.ts";

/** How many forms a message takes: every combination of the variant bits (tag_variant.ts). */
const VARIANTS = 16;

/** Lines for one recipient. */
const direct = new LineSlab();
/** Lines for many recipients, one slab per variant, so that each variant's lines stay adjacent. */
const fannedOut: (LineSlab | undefined)[] = new Array(VARIANTS);

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
  /**
   * A multiline message (draft/multiline): its lines, sent as one `draft/multiline` batch to
   * sessions that read those, as separate PRIVMSG/NOTICE lines (the blank ones left out) to the
   * others. `message` is then the command and target without text.
   */
  lines?: readonly TextLine[];
}

let multilineBatches = 0;

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
  /** A multiline message's lines, each fitted to a line of its own. */
  readonly lines: readonly TextLine[] | undefined;
  readonly #bytes: (Uint8Array | undefined)[] = new Array(VARIANTS);
  #many = false;
  /** The reference of a multiline message's batch, the same for every recipient. */
  #ref: string | undefined;

  constructor(message: Message, extras: OutgoingExtras = {}) {
    this.message = fitMessage(message);
    this.time = extras.time;
    this.tags = extras.tags;
    this.account = extras.account;
    this.always = extras.always;
    this.lines = extras.lines?.map(({ text, concat }) => {
      const fitted = fitMessage({ ...message, params: [...message.params, text] });
      return { text: fitted.params.at(-1)!, concat };
    });
  }

  /** The same message with more tags for every recipient (labels, batches). */
  with(always: Tags): Outgoing {
    return new Outgoing(this.message, {
      time: this.time,
      tags: this.tags,
      account: this.account,
      always: { ...this.always, ...always },
      lines: this.lines,
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
    if (this.lines === undefined) variant &= ~WANTS_MULTILINE;
    return this.#bytes[variant] ??= this.#many
      ? (fannedOut[variant] ??= new LineSlab()).encode(this.line(variant))
      : direct.encode(this.line(variant));
  }

  /**
   * The line without CRLF for the given variant (for logs); a multiline message's lines joined by
   * CRLF.
   */
  line(variant = 0): string {
    if (this.lines === undefined) return serializeMessage(this.message, this.#tags(variant));
    return variant & WANTS_MULTILINE ? this.#batch(variant) : this.#separate(variant);
  }

  /**
   * The messages a recipient without multiline support gets: the non-blank lines, the first with
   * the message's tags (msgid, client-only tags) as the spec asks; itself when not multiline.
   */
  parts(): Message[] {
    if (this.lines === undefined) return [this.message];
    return this.lines.filter((l) => l.text !== "").map((l) => this.#lineMessage(l.text));
  }

  #lineMessage(text: string): Message {
    return { ...this.message, params: [...this.message.params, text] };
  }

  /** `BATCH +ref draft/multiline target` with the message's tags, its lines, `BATCH -ref`. */
  #batch(variant: number): string {
    const ref = this.#ref ??= `m${(multilineBatches++).toString(36)}`;
    const { source, command, params } = this.message;
    const open = msg("BATCH", [`+${ref}`, "draft/multiline", ...params], source);
    const out = [serializeMessage(open, this.#tags(variant))];
    for (const { text, concat } of this.lines!) {
      const tags: Tags = concat ? { batch: ref, "draft/multiline-concat": "" } : { batch: ref };
      out.push(serializeMessage(msg(command, [...params, text], source), tags));
    }
    out.push(serializeMessage(msg("BATCH", [`-${ref}`], source), {}));
    return out.join("\r\n");
  }

  /**
   * The fallback: each non-blank line a message; the label only on the first, as are the msgid
   * and client-only tags; time, account and an enclosing batch on each.
   */
  #separate(variant: number): string {
    const first = this.#tags(variant);
    let rest: Tags | undefined = { ...first };
    for (const key in this.tags) delete rest[key];
    delete rest.label;
    if (Object.keys(rest).length === 0) rest = undefined;
    return this.parts().map((m, i) => serializeMessage(m, i === 0 ? first : rest)).join("\r\n");
  }

  #tags(variant: number): Tags | undefined {
    let tags: Tags | undefined = this.always;
    if (variant & WANTS_TIME && this.time !== undefined) {
      tags = { ...tags, time: new Date(this.time).toISOString() };
    }
    if (variant & WANTS_ACCOUNT && this.account !== undefined) {
      tags = { ...tags, account: this.account };
    }
    if (variant & WANTS_TAGS && this.tags) tags = { ...tags, ...this.tags };
    return tags;
  }
}
