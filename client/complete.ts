/**
 * Tab completion for the input line: /commands, #channels, and nicks of the current channel
 * (with `: ` when the nick starts the line, the usual way to address someone). Pure, in the
 * shape node:readline's `completer` expects.
 *
 * @module
 */

import { foldCase } from "../protocol/casemap.ts";

/** What can be completed right now. */
export interface CompletionSource {
  /** Nicks in the current conversation (without status prefixes). */
  nicks: string[];
  /** Joined channels and open conversations. */
  channels: string[];
  /** Command names with their slash. */
  commands: string[];
  /** Channel prefixes (CHANTYPES). */
  chanTypes: string;
  /** Our own nick: never offered. */
  ownNick: string;
}

/**
 * Completions for the text before the cursor: `[candidates, the word they replace]`, as
 * node:readline's `completer` returns them. With one candidate readline inserts it; with several
 * it lists them and inserts their common prefix.
 */
export function complete(line: string, src: CompletionSource): [string[], string] {
  const space = line.lastIndexOf(" ");
  const word = line.slice(space + 1);
  if (space === -1 && word.startsWith("/")) {
    const lower = word.toLowerCase();
    return [src.commands.filter((c) => c.startsWith(lower)).map((c) => `${c} `), word];
  }
  if (word === "") return [[], word];
  if (src.chanTypes.includes(word.charAt(0))) {
    const folded = foldCase(word);
    const hits = src.channels.filter((c) => foldCase(c).startsWith(folded));
    return [hits.map((c) => `${c} `), word];
  }
  const folded = foldCase(word);
  const ownKey = foldCase(src.ownNick);
  const hits = src.nicks.filter((n) => foldCase(n).startsWith(folded) && foldCase(n) !== ownKey);
  const suffix = space === -1 ? ": " : " "; // "alice: " addresses someone at line start
  return [hits.map((n) => n + suffix), word];
}
