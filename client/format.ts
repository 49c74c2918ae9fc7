/**
 * How events look: the interactive layout (timestamp, marker, channel label, coloured nick,
 * text wrapped under itself) and the plain one-line form pipe mode prints. Pure: colour and width
 * are parameters, so every rule is unit-testable.
 *
 * @module
 */

import { foldCase, sameName } from "../protocol/casemap.ts";
import type { ChatEvent } from "./events.ts";
import { displayWidth, sanitize, wrapText } from "./text.ts";

/** A visual role; the ANSI renderer maps each to attributes. */
export type Style =
  | "time"
  | "label"
  | "own"
  | "mention"
  | "dim"
  | "notice"
  | "error"
  | "status"
  | "info";

/** A run of text in one style; `nickColor` (an SGR colour code) wins over `style`. */
export interface Segment {
  text: string;
  style?: Style;
  nickColor?: number;
}

/** An event laid out: a prefix (time, marker, label, nick) and a body wrapped under itself. */
export interface Formatted {
  prefix: Segment[];
  body: Segment;
}

/** What the formatter needs to know about the viewer. */
export interface FormatContext {
  /** The current conversation: its name is not repeated on its lines. */
  current: string | undefined;
}

// Foreground colours readable on both dark and light backgrounds (no black, white, grey).
const NICK_COLORS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96] as const;

/** A nick's colour: an SGR code picked by a hash of the folded nick, the same every run. */
export function nickColor(nick: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (const ch of foldCase(nick)) {
    h ^= ch.codePointAt(0)!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return NICK_COLORS[h % NICK_COLORS.length]!; // a constant, non-empty list
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `HH:MM` in local time, the interactive timestamp. */
export function clock(time: Date): string {
  return `${pad(time.getHours())}:${pad(time.getMinutes())}`;
}

/** `HH:MM:SS` in local time, the pipe-mode timestamp. */
export function clockSeconds(time: Date): string {
  return `${clock(time)}:${pad(time.getSeconds())}`;
}

/** The one-character marker column (readable without colour): `>` own lines, `!` mentions. */
function marker(e: ChatEvent): string {
  if (e.own) return ">";
  if (e.mention) return "!";
  return " ";
}

/**
 * Lays out an event for the interactive screen. Every piece is sanitized here, the last step
 * before the terminal: the text was already, but nicks, channel names and conversations come
 * from the server as they are, and another server than ours may allow anything in them.
 */
export function formatEvent(e: ChatEvent, ctx: FormatContext): Formatted {
  const f = layout(e, ctx);
  return {
    prefix: f.prefix.map((s) => ({ ...s, text: sanitize(s.text) })),
    body: { ...f.body, text: sanitize(f.body.text) },
  };
}

function layout(e: ChatEvent, ctx: FormatContext): Formatted {
  const prefix: Segment[] = [{ text: clock(e.time), style: "time" }, { text: ` ${marker(e)}` }];
  const elsewhere = e.conversation !== undefined &&
    (ctx.current === undefined || !sameName(e.conversation, ctx.current));
  const from = e.from ?? "";
  const nickSeg = (text: string): Segment =>
    e.own ? { text, style: "own" } : { text, nickColor: nickColor(from) };
  const bodyStyle: Style | undefined = e.mention ? "mention" : undefined;

  switch (e.kind) {
    case "message":
    case "action": {
      const query = e.private === true;
      if (elsewhere && query) {
        // ircII style: "*bob* hi" for a private message, "-> *bob* hi" for one we sent.
        if (e.own) prefix.push({ text: "-> ", style: "own" });
        prefix.push({ ...nickSeg(`*${e.conversation}*`), text: `*${e.conversation}* ` });
      } else if (elsewhere) {
        prefix.push({ text: `${e.conversation} `, style: "label" });
      }
      if (e.kind === "action") prefix.push({ text: "* " }, nickSeg(from), { text: " " });
      else if (!(elsewhere && query)) prefix.push({ text: "<" }, nickSeg(from), { text: "> " });
      return { prefix, body: { text: e.text, style: bodyStyle } };
    }
    case "notice": {
      if (elsewhere && !e.private) prefix.push({ text: `${e.conversation} `, style: "label" });
      const who = e.own ? `-> -${e.conversation ?? e.target ?? ""}-` : `-${from}-`;
      prefix.push({ text: `${who} `, style: "notice" });
      return { prefix, body: { text: e.text, style: bodyStyle ?? "notice" } };
    }
    case "presence":
    case "info":
    case "error":
    case "status": {
      if (elsewhere) prefix.push({ text: `${e.conversation} `, style: "label" });
      const style: Style = e.kind === "presence" ? "dim" : e.kind;
      const lead = { presence: "-- ", info: "-- ", error: "!! ", status: "** " }[e.kind];
      prefix.push({ text: lead, style });
      return { prefix, body: { text: e.text, style } };
    }
  }
}

const SGR: Record<Style, string> = {
  time: "2",
  label: "1",
  own: "1",
  mention: "1;33",
  dim: "2",
  notice: "35",
  error: "1;31",
  status: "36",
  info: "",
};

function paint(seg: Segment, color: boolean): string {
  if (!color) return seg.text;
  const code = seg.nickColor !== undefined
    ? String(seg.nickColor)
    : seg.style
    ? SGR[seg.style]
    : "";
  return code === "" ? seg.text : `\x1b[${code}m${seg.text}\x1b[0m`;
}

/** Rendering options: colour on or off, and the terminal width to wrap at (0: no wrapping). */
export interface RenderOptions {
  color: boolean;
  width: number;
}

/**
 * Renders a laid-out event as terminal text, one string per screen line. The body wraps at the
 * width and continuation lines are indented under the body start (the terminal wraps instead
 * when the prefix would leave less than 20 columns).
 */
export function render(f: Formatted, opts: RenderOptions): string[] {
  const head = f.prefix.map((s) => paint(s, opts.color)).join("");
  const indent = f.prefix.reduce((w, s) => w + displayWidth(s.text), 0);
  if (opts.width <= 0) return [head + paint(f.body, opts.color)];
  const room = opts.width - indent;
  // A prefix this wide leaves no room for a readable column: let the terminal wrap.
  if (room < 20) return [head + paint(f.body, opts.color)];
  const pieces = wrapText(f.body.text, room);
  return pieces.map((piece, i) =>
    (i === 0 ? head : " ".repeat(indent)) + paint({ ...f.body, text: piece }, opts.color)
  );
}

/**
 * The pipe-mode line for an event, or undefined when pipe mode does not print it on stdout:
 * `[HH:MM:SS] #chan <nick> text`, `[…] #chan * nick action`, `[…] #chan -nick- notice`. Private
 * messages show our nick where the channel would be, so every line has the same four fields.
 */
export function plainLine(e: ChatEvent): string | undefined {
  const line = plainFields(e);
  return line === undefined ? undefined : sanitize(line);
}

function plainFields(e: ChatEvent): string | undefined {
  if (e.own || e.fromServer) return undefined;
  const where = e.target ?? "";
  const from = e.from ?? "";
  const time = `[${clockSeconds(e.time)}]`;
  switch (e.kind) {
    case "message":
      return `${time} ${where} <${from}> ${e.text}`;
    case "action":
      return `${time} ${where} * ${from} ${e.text}`;
    case "notice":
      return `${time} ${where} -${from}- ${e.text}`;
    default:
      return undefined;
  }
}

/**
 * Whether to use colour: not when NO_COLOR is set to anything non-empty (no-color.org), not on a
 * `dumb` terminal, and not when output is not a terminal.
 */
export function useColor(env: { NO_COLOR?: string; TERM?: string }, isTerminal: boolean): boolean {
  if (!isTerminal) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}
