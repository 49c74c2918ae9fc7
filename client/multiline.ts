/**
 * IRCv3 `draft/multiline` for the client: a pasted block of lines goes out as one message (a
 * client BATCH, each line a PRIVMSG, a long one split into pieces joined again by
 * `draft/multiline-concat`), and a multiline batch received is shown as its lines. Pure: the
 * session sends and receives, the terminal decides what is a paste.
 *
 * @module
 */

import { type Message, msg, type Tags } from "../protocol/message.ts";
import { maxTextBytes } from "./commands.ts";
import { utf8Length } from "./text.ts";

/** The limits a server gives in its `draft/multiline` capability value. */
export interface MultilineLimits {
  maxBytes: number;
  maxLines: number;
}

/**
 * The limits in a `draft/multiline` value (`max-bytes=4096,max-lines=100`); undefined without
 * the required `max-bytes`. Unknown keys are ignored, as the spec asks.
 */
export function parseMultilineCap(value: string | undefined): MultilineLimits | undefined {
  if (value === undefined) return undefined;
  const fields = new Map(
    value.split(",").map((t) => {
      const eq = t.indexOf("=");
      return eq === -1 ? [t, ""] : [t.slice(0, eq), t.slice(eq + 1)];
    }),
  );
  const maxBytes = Number(fields.get("max-bytes"));
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) return undefined;
  const lines = Number(fields.get("max-lines"));
  return { maxBytes, maxLines: Number.isInteger(lines) && lines > 0 ? lines : Infinity };
}

/**
 * Splits one line into pieces of at most `maxBytes` whose concatenation is the line: breaking
 * after a space (which stays at the end of its piece, as the spec recommends) when that keeps
 * half the piece, never inside a code point.
 */
export function concatPieces(text: string, maxBytes: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (utf8Length(rest) > maxBytes) {
    let bytes = 0;
    let cut = 0;
    let afterSpace = -1;
    for (const ch of rest) {
      const b = utf8Length(ch);
      if (bytes + b > maxBytes) break;
      bytes += b;
      cut += ch.length;
      if (ch === " ") afterSpace = cut;
    }
    if (cut === 0) cut = String.fromCodePoint(rest.codePointAt(0)!).length;
    const end = afterSpace > cut / 2 ? afterSpace : cut;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  pieces.push(rest);
  return pieces;
}

/**
 * The messages that send `lines` to `target` as one multiline message under reference `ref`:
 * `BATCH +ref draft/multiline target`, the lines, `BATCH -ref`. Blank lines at either end are
 * left out. Undefined when nothing but blank lines is left or the message breaks the server's
 * `limits` (the caller then sends the lines one by one).
 */
export function multilineMessages(
  ref: string,
  target: string,
  lines: readonly string[],
  nick: string,
  limits: MultilineLimits,
): Message[] | undefined {
  let first = 0, last = lines.length;
  while (first < last && lines[first]!.trim() === "") first++;
  while (last > first && lines[last - 1]!.trim() === "") last--;
  const kept = lines.slice(first, last);
  if (kept.length === 0) return undefined;
  const bytes = kept.reduce((sum, l) => sum + utf8Length(l), 0) + kept.length - 1;
  if (bytes > limits.maxBytes) return undefined;
  const room = maxTextBytes(nick, target);
  const body: Message[] = [];
  for (const line of kept) {
    concatPieces(line, room).forEach((piece, i) => {
      const tags: Tags = i === 0 ? { batch: ref } : { batch: ref, "draft/multiline-concat": "" };
      body.push(msg("PRIVMSG", [target, piece], undefined, tags));
    });
  }
  if (body.length > limits.maxLines) return undefined;
  return [
    msg("BATCH", [`+${ref}`, "draft/multiline", target]),
    ...body,
    msg("BATCH", [`-${ref}`]),
  ];
}

/** A multiline batch being received. */
interface Incoming {
  open: Message;
  command: string;
  target: string;
  /** The lines so far, concatenated pieces joined. */
  lines: string[];
  /** UTF-16 units of text gathered. */
  size: number;
}

/** Batches a server may keep open at once before more are ignored (a hostile server). */
const MAX_OPEN = 16;
/** Text kept per batch (UTF-16 units); past it, the rest of the batch is dropped. */
const MAX_TEXT = 64 * 1024;

/**
 * Gathers the `draft/multiline` batches a server sends and gives each back, once closed, as
 * messages to show: one PRIVMSG or NOTICE per line of the combined text (concatenated pieces
 * joined), each with the batch's tags (time, account, an enclosing chathistory batch), the
 * msgid on the first and `<msgid>/<n>` on the others, so that replays are recognised line by
 * line. Everything else passes through.
 */
export class MultilineInbox {
  readonly #open = new Map<string, Incoming>();

  /** The messages to handle for `m`: none while a batch is being gathered. */
  take(m: Message): Message[] {
    const [ref = "", type] = m.params;
    if (m.command === "BATCH" && ref.startsWith("+") && type === "draft/multiline") {
      if (this.#open.size < MAX_OPEN) {
        this.#open.set(ref.slice(1), {
          open: m,
          command: "",
          target: m.params[2] ?? "",
          lines: [],
          size: 0,
        });
      }
      return [];
    }
    if (m.command === "BATCH" && ref.startsWith("-")) {
      const batch = this.#open.get(ref.slice(1));
      if (!batch) return [m];
      this.#open.delete(ref.slice(1));
      return this.#lines(batch);
    }
    const inner = m.tags?.["batch"];
    const batch = inner === undefined ? undefined : this.#open.get(inner);
    if (!batch) return [m];
    if (batch.command === "") batch.command = m.command;
    const text = m.params[1] ?? "";
    batch.size += text.length;
    if (batch.size > MAX_TEXT) return [];
    const concat = m.tags?.["draft/multiline-concat"] !== undefined && batch.lines.length > 0;
    if (concat) batch.lines[batch.lines.length - 1] += text;
    else batch.lines.push(text);
    return [];
  }

  /** Forgets batches left open (the connection ended). */
  clear(): void {
    this.#open.clear();
  }

  #lines(batch: Incoming): Message[] {
    const { open } = batch;
    const command = batch.command === "NOTICE" ? "NOTICE" : "PRIVMSG";
    const tags = { ...open.tags };
    const msgid = tags["msgid"];
    return batch.lines.map((text, i) => {
      const lineTags = i === 0 || msgid === undefined ? tags : { ...tags, msgid: `${msgid}/${i}` };
      return msg(command, [batch.target, text], open.source, lineTags);
    });
  }
}

/** What deciding on a paste needs to know of the session. */
export interface PasteContext {
  current: string | undefined;
  nick: string;
  caps: ReadonlySet<string>;
  capValues: ReadonlyMap<string, string>;
}

/**
 * A paste of several lines as one multiline message to the current conversation, sent verbatim
 * (a line starting with `/` is text here); undefined, for the lines to be handled one by one as
 * typed, when it is one line, starts with a command, has no conversation to go to, the server
 * does not offer `draft/multiline` (with `batch`), or it breaks the server's limits.
 */
export function pasteBatch(
  lines: readonly string[],
  ctx: PasteContext,
  ref: string,
): Message[] | undefined {
  if (lines.length < 2 || ctx.current === undefined) return undefined;
  if (!ctx.caps.has("draft/multiline") || !ctx.caps.has("batch")) return undefined;
  const first = lines.find((l) => l.trim() !== "") ?? "";
  if (first.startsWith("/") && !first.startsWith("//")) return undefined;
  const limits = parseMultilineCap(ctx.capValues.get("draft/multiline"));
  return limits && multilineMessages(ref, ctx.current, lines, ctx.nick, limits);
}
