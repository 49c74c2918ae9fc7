/**
 * A multiline message (draft/multiline) as history keeps it: one text, its lines joined by LF,
 * a line that continues the one before (`draft/multiline-concat`) joined by CR instead. Neither
 * can occur in a line a client sends (protocol/lines.ts), so every store keeps it as it keeps
 * any text, and a text without them is an ordinary one-line message.
 *
 * @module
 */

import type { TextLine } from "../state/multiline_batch.ts";

/** The stored text of a multiline message's lines. */
export function storedText(lines: readonly TextLine[]): string {
  let text = "";
  lines.forEach((line, i) => {
    text += (i === 0 ? "" : line.concat ? "\r" : "\n") + line.text;
  });
  return text;
}

/** The lines of a stored text, or undefined when it is an ordinary one-line message. */
export function storedLines(text: string): TextLine[] | undefined {
  if (!/[\r\n]/.test(text)) return undefined;
  const lines: TextLine[] = [];
  for (const part of text.split("\n")) {
    part.split("\r").forEach((piece, i) => lines.push({ text: piece, concat: i > 0 }));
  }
  return lines;
}
