/**
 * The bytes a bench client sends and the cheap byte-level reading of what it receives.
 *
 * Every bench message ends with a fixed-width trailer `~RRSSSSSQQQQQQQTTTTTTTTTTTT` (run tag,
 * sender id, sequence number, send time in µs since the run's epoch), so a receiver recognises and
 * decodes a delivery from the last 27 bytes of the line without parsing the rest of it. The run
 * tag tells this run's messages from others' (another bench, history a server replays on JOIN). Other lines are
 * classified by their command bytes; only the rare interesting ones are ever decoded to strings.
 *
 * @module
 */

/** Bytes of the trailer every bench message ends with. */
export const TRAILER_BYTES = 27;
const TAG_CHARS = 2, SENDER_DIGITS = 5, SEQ_DIGITS = 7, TIME_DIGITS = 12;
/** Highest number of senders the trailer can name. */
export const MAX_SENDERS = 10 ** SENDER_DIGITS - 1;
/** Highest number of messages per sender the trailer can count. */
export const MAX_SEQ = 10 ** SEQ_DIGITS - 1;
/** Longest message text: the relayed line (with a long source) must stay under 512 bytes. */
export const MAX_PAYLOAD_BYTES = 400;

const TILDE = 0x7e, ZERO = 0x30, LF = 10, CR = 13, SPACE = 32, COLON = 58, AT = 64, FILL = 0x2e;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Nick of client `index` in the run tagged `tag` (short enough for NICKLEN 9). */
export function nickOf(tag: string, index: number): string {
  return `b${tag}${index.toString(36)}`;
}

/** Channel `c` of a run. */
export function channelName(c: number): string {
  return `#bench${c}`;
}

/** The registration lines of one client. */
export function registrationBytes(nick: string): Uint8Array {
  return encoder.encode(`NICK ${nick}\r\nUSER ${nick} 0 * :chat bench\r\n`);
}

/** A line as bytes (CRLF added). */
export function lineBytes(text: string): Uint8Array {
  return encoder.encode(`${text}\r\n`);
}

/**
 * A sender's message line with the variable fields left as zeros; `stampMessage` fills them in
 * place in a copy. Built once per sender so each message costs one copy and a few digit writes.
 */
export interface MessageTemplate {
  bytes: Uint8Array;
  /** Offset of the first sequence digit. */
  seqAt: number;
}

/** Builds a sender's template: `PRIVMSG #chan :....~RRSSSSS0000000000000000000\r\n`. */
export function messageTemplate(
  channel: string,
  tag: string,
  sender: number,
  payload: number,
): MessageTemplate {
  if (!/^[0-9a-z]{2}$/.test(tag)) throw new RangeError(`run tag ${tag} is not 2 of [0-9a-z]`);
  if (sender < 0 || sender > MAX_SENDERS) throw new RangeError(`sender ${sender} out of range`);
  if (payload < TRAILER_BYTES) throw new RangeError(`payload below ${TRAILER_BYTES} bytes`);
  const head = `PRIVMSG ${channel} :`;
  const text = ".".repeat(payload - TRAILER_BYTES) + "~" + tag +
    String(sender).padStart(SENDER_DIGITS, "0") + "0".repeat(SEQ_DIGITS + TIME_DIGITS);
  const bytes = encoder.encode(`${head}${text}\r\n`);
  return { bytes, seqAt: bytes.length - 2 - SEQ_DIGITS - TIME_DIGITS };
}

/** Writes a copy of the template at `out[at]` with `seq` and `timeUs`; returns the end offset. */
export function stampMessage(
  t: MessageTemplate,
  out: Uint8Array,
  at: number,
  seq: number,
  timeUs: number,
): number {
  out.set(t.bytes, at);
  writeDigits(out, at + t.seqAt, SEQ_DIGITS, seq);
  writeDigits(out, at + t.seqAt + SEQ_DIGITS, TIME_DIGITS, timeUs);
  return at + t.bytes.length;
}

function writeDigits(out: Uint8Array, at: number, width: number, value: number): void {
  let v = Math.max(0, Math.floor(value));
  for (let i = at + width - 1; i >= at; i--) {
    out[i] = ZERO + (v % 10);
    v = Math.floor(v / 10);
  }
}

/** Decimal digits at `buf[at, at + width)`, or -1 if any byte is not a digit (branch-free). */
function readDigits(buf: Uint8Array, at: number, width: number): number {
  let v = 0, bad = 0;
  for (let i = at, end = at + width; i < end; i++) {
    const d = (buf[i] ?? 0) - ZERO; // past the buffer is not a digit
    bad |= d | (9 - d); // negative iff some d is outside 0..9
    v = v * 10 + d;
  }
  return bad < 0 ? -1 : v;
}

/** A decoded trailer. */
export interface Trailer {
  /** The run tag's two characters as `c0 << 8 | c1` (compare with `tagCode`). */
  tag: number;
  sender: number;
  seq: number;
  timeUs: number;
}

/**
 * Decodes the trailer of the line `buf[start, end)` (no CR/LF) into `out`; false when the line
 * is not a bench message. Allocation-free: this runs once per delivery.
 */
export function readTrailer(buf: Uint8Array, start: number, end: number, out: Trailer): boolean {
  const t = end - TRAILER_BYTES;
  if (t <= start || buf[t] !== TILDE) return false;
  const before = buf[t - 1];
  if (before !== FILL && before !== COLON) return false;
  const d = t + 1 + TAG_CHARS;
  const sender = readDigits(buf, d, SENDER_DIGITS);
  const seq = readDigits(buf, d + SENDER_DIGITS, SEQ_DIGITS);
  const timeUs = readDigits(buf, d + SENDER_DIGITS + SEQ_DIGITS, TIME_DIGITS);
  if (sender < 0 || seq < 0 || timeUs < 0) return false;
  out.tag = ((buf[t + 1] ?? 0) << 8) | (buf[t + 2] ?? 0);
  out.sender = sender;
  out.seq = seq;
  out.timeUs = timeUs;
  return true;
}

/** A run tag as `Trailer.tag` holds it. */
export function tagCode(tag: string): number {
  return (tag.charCodeAt(0) << 8) | tag.charCodeAt(1);
}

/** Commands a bench client reacts to; everything else is `OTHER` (`NUMERIC`: see `numeric`). */
export const Cmd = { OTHER: 0, PING: 1, PONG: 2, ERROR: 3, NUMERIC: 4 } as const;
/** One of `Cmd`. */
export type Cmd = typeof Cmd[keyof typeof Cmd];

/** Where the command of a line is, found without decoding it. */
export interface LineInfo {
  cmd: Cmd;
  numeric: number;
}

const PING = [0x50, 0x49, 0x4e, 0x47], PONG = [0x50, 0x4f, 0x4e, 0x47];
const ERROR = [0x45, 0x52, 0x52, 0x4f, 0x52];

function isWord(buf: Uint8Array, at: number, end: number, word: number[]): boolean {
  if (end - at !== word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

/** The first space at or after `p` in `buf[p, end)`, else `end`. */
function spaceAt(buf: Uint8Array, p: number, end: number): number {
  // A plain loop: words are short, and a call to the native indexOf costs more than the scan.
  while (p < end && buf[p] !== SPACE) p++;
  return p;
}

/**
 * Classifies the line `buf[start, end)` (no CR/LF) by its command, skipping tags and source.
 * `firstSpace`, when the splitter found it (see `LineHandler`), saves scanning the source again.
 */
export function classify(
  buf: Uint8Array,
  start: number,
  end: number,
  out: LineInfo,
  firstSpace = -1,
): void {
  out.cmd = Cmd.OTHER;
  out.numeric = 0;
  let p = start;
  if (buf[p] === AT) p = spaceAt(buf, p, end) + 1;
  else if (buf[p] === COLON && firstSpace >= 0) p = firstSpace + 1;
  if (buf[p] === COLON) p = spaceAt(buf, p, end) + 1;
  if (p >= end) return;
  const c = buf[p] ?? 0; // p < end ≤ buf.length
  // Most lines (JOIN, PRIVMSG) are none of these: decided by their first byte.
  if (c !== PING[0] && c !== ERROR[0] && (c < ZERO || c > ZERO + 9)) return;
  const q = spaceAt(buf, p, end);
  if (q - p === 3) {
    const n = readDigits(buf, p, 3);
    if (n >= 0) {
      out.cmd = Cmd.NUMERIC;
      out.numeric = n;
    }
    return;
  }
  if (isWord(buf, p, q, PING)) out.cmd = Cmd.PING;
  else if (isWord(buf, p, q, PONG)) out.cmd = Cmd.PONG;
  else if (isWord(buf, p, q, ERROR)) out.cmd = Cmd.ERROR;
}

/** The last parameter of a line (after the last ` :`, else the last word): PING/PONG tokens. */
export function lastParam(buf: Uint8Array, start: number, end: number): string {
  const line = decoder.decode(buf.subarray(start, end));
  const colon = line.indexOf(" :", line.charCodeAt(0) === COLON ? line.indexOf(" ") : 0);
  if (colon !== -1) return line.slice(colon + 2);
  return line.slice(line.lastIndexOf(" ") + 1);
}

/** Decodes a line for a report (rare lines only). */
export function lineText(buf: Uint8Array, start: number, end: number): string {
  return decoder.decode(buf.subarray(start, end));
}

/**
 * Gets one line `buf[start, end)` without CR/LF, and the offset of its first space (-1 if none,
 * or not known), found on the way.
 */
export type LineHandler = (buf: Uint8Array, start: number, end: number, firstSpace: number) => void;

/**
 * Splits a byte stream into lines in place; an unfinished tail is kept (copied) until the next
 * chunk. Empty lines are skipped. In a join storm a client receives tens of millions of short
 * lines, and finding their ends was half of the generator's CPU. A chunk that decodes to a string
 * of its own length is ASCII (or holds only stray single bytes, each one character): its line
 * ends and spaces are then found by the string's native search, at the same offsets as in the
 * bytes, in about half the time of a loop over the bytes (which is what other chunks get).
 */
export class LineSplitter {
  #tail = new Uint8Array(0);
  #tailLen = 0;
  readonly #skipJoins: boolean;

  /**
   * `skipJoins`: lines `:source JOIN …` of plain-ASCII chunks are not handed over. A bench client
   * has no use for other clients' JOINs, and in a join storm they are nearly every line it reads:
   * skipping them there saves the per-line calls (a fifth of the generator's CPU in scenario E).
   */
  constructor(options: { skipJoins?: boolean } = {}) {
    this.#skipJoins = options.skipJoins ?? false;
  }

  /** Bytes of an unfinished line held between chunks. */
  get pending(): number {
    return this.#tailLen;
  }

  /** Feeds one chunk; `chunk` may be reused as soon as this returns. */
  push(chunk: Uint8Array, onLine: LineHandler): void {
    let start = 0;
    if (this.#tailLen > 0) {
      const lf = chunk.indexOf(LF);
      if (lf === -1) {
        this.#keep(chunk, 0);
        return;
      }
      const joined = new Uint8Array(this.#tailLen + lf);
      joined.set(this.#tail.subarray(0, this.#tailLen));
      joined.set(chunk.subarray(0, lf), this.#tailLen);
      this.#tailLen = 0;
      emit(joined, 0, joined.length, -1, onLine);
      start = lf + 1;
    }
    const text = decoder.decode(chunk);
    if (text.length === chunk.length) {
      start = splitText(chunk, text, start, onLine, this.#skipJoins);
    } else start = splitBytes(chunk, start, onLine);
    if (start < chunk.length) this.#keep(chunk, start);
  }

  #keep(chunk: Uint8Array, from: number): void {
    const n = chunk.length - from;
    if (this.#tailLen + n > 64 * 1024) { // no sane server sends such a line; drop it
      this.#tailLen = 0;
      return;
    }
    if (this.#tail.length < this.#tailLen + n) {
      const grown = new Uint8Array(Math.max(1024, (this.#tailLen + n) * 2));
      grown.set(this.#tail.subarray(0, this.#tailLen));
      this.#tail = grown;
    }
    this.#tail.set(chunk.subarray(from), this.#tailLen);
    this.#tailLen += n;
  }
}

/**
 * Emits the lines of `chunk` from `start` found in `text` (its decoding), but for JOINs when
 * `skipJoins`; returns the rest's start.
 */
function splitText(
  chunk: Uint8Array,
  text: string,
  start: number,
  onLine: LineHandler,
  skipJoins: boolean,
): number {
  let space = -1; // the first space at or after `start`, once searched (else -1 or before it)
  for (;;) {
    const lf = text.indexOf("\n", start);
    if (lf === -1) return start;
    if (space < start) space = text.indexOf(" ", start);
    const first = space !== -1 && space < lf ? space : -1;
    if (
      !skipJoins || first === -1 || chunk[start] !== COLON || !text.startsWith("JOIN ", first + 1)
    ) {
      emit(chunk, start, lf, first, onLine);
    }
    start = lf + 1;
    if (space === -1) space = chunk.length; // no space in the rest: search no more
  }
}

/** The same as `splitText` by a loop over the bytes, for chunks that are not plain ASCII. */
function splitBytes(chunk: Uint8Array, start: number, onLine: LineHandler): number {
  let space = -1;
  for (let i = start, n = chunk.length; i < n; i++) {
    const c = chunk[i];
    if (c === SPACE) {
      if (space < 0) space = i;
    } else if (c === LF) {
      emit(chunk, start, i, space, onLine);
      start = i + 1;
      space = -1;
    }
  }
  return start;
}

function emit(
  buf: Uint8Array,
  start: number,
  lf: number,
  space: number,
  onLine: LineHandler,
): void {
  const end = lf > start && buf[lf - 1] === CR ? lf - 1 : lf;
  if (end > start) onLine(buf, start, end, space < end ? space : -1);
}
