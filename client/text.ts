/**
 * Text helpers for showing other people's words on a terminal: strip IRC formatting and control
 * characters (so nobody can send escape sequences to our terminal), measure display width, and
 * wrap to a width.
 *
 * @module
 */

import { terminalSafe } from "../protocol/terminal_text.ts";

/**
 * Makes text from the network safe and readable on a terminal (see `terminalSafe`, shared with
 * the server's plain-text door): IRC formatting is removed, tabs become spaces, and C0, C1 and
 * bidirectional controls are dropped, so a message can never move our cursor, change colours,
 * ring the bell or reverse the line by itself.
 */
export const sanitize: (text: string) => string = terminalSafe;

function isWide(cp: number): boolean {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd);
}

function isZeroWidth(cp: number): boolean {
  return (cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0xfe00 && cp <= 0xfe0f) || cp === 0x20e3;
}

/** Columns one code point occupies (0, 1 or 2), close enough to wcwidth for chat text. */
export function charWidth(ch: string): number {
  const cp = ch.codePointAt(0) ?? 0;
  if (isZeroWidth(cp)) return 0;
  return isWide(cp) ? 2 : 1;
}

/** Columns a sanitized string occupies on a terminal. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) w += charWidth(ch);
  return w;
}

/**
 * Splits text into lines of at most `width` columns, breaking at spaces where possible and
 * inside words only when a word alone is too long. Always returns at least one line.
 */
export function wrapText(text: string, width: number): string[] {
  if (width < 1 || displayWidth(text) <= width) return [text];
  const lines: string[] = [];
  // Leading spaces (indentation) stay on the first line.
  let line = /^ */.exec(text)![0].slice(0, width - 1);
  let lineWidth = line.length;
  for (const word of text.trimStart().split(" ")) {
    const w = displayWidth(word);
    const gap = line.trim() === "" ? 0 : 1;
    if (lineWidth + gap + w <= width) {
      line += (gap ? " " : "") + word;
      lineWidth += gap + w;
      continue;
    }
    if (line.trim() !== "") {
      lines.push(line);
      line = "";
      lineWidth = 0;
    }
    // A word wider than the line is cut into pieces.
    for (const ch of word) {
      const cw = charWidth(ch);
      if (lineWidth + cw > width) {
        lines.push(line);
        line = "";
        lineWidth = 0;
      }
      line += ch;
      lineWidth += cw;
    }
  }
  lines.push(line);
  return lines;
}

const encoder = new TextEncoder();

/** Bytes `text` takes in UTF-8 (IRC limits are in bytes). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Splits text into pieces of at most `maxBytes` UTF-8 bytes, preferring to break after a space
 * and never inside a code point, so a long message is sent as several whole messages.
 */
export function splitBytes(text: string, maxBytes: number): string[] {
  if (utf8Length(text) <= maxBytes) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (utf8Length(rest) > maxBytes) {
    let bytes = 0;
    let cut = 0; // UTF-16 index where the longest fitting prefix ends
    let lastSpace = -1;
    for (const ch of rest) {
      const b = utf8Length(ch);
      if (bytes + b > maxBytes) break;
      bytes += b;
      cut += ch.length;
      if (ch === " ") lastSpace = cut;
    }
    if (cut === 0) cut = String.fromCodePoint(rest.codePointAt(0)!).length; // maxBytes < one char
    // Break at the cut when it falls on a word boundary, else after the last space if that
    // keeps at least half the piece, else inside the word.
    const end = rest[cut] === " " || lastSpace <= cut / 2 ? cut : lastSpace;
    pieces.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest !== "") pieces.push(rest);
  return pieces;
}
