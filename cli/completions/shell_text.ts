/**
 * Text as the generated scripts embed it: quoted words, identifiers and one-line descriptions.
 * Every generator quotes through here, so a description or a name cannot break out of a script.
 *
 * @module
 */

import { firstField } from "../../util/text.ts";

/** Single-quotes a word for POSIX shells and zsh. */
export function sq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** A shell identifier made from the program name, for the scripts' function names. */
export function ident(s: string): string {
  return s.replace(/[^A-Za-z0-9_]/g, "_");
}

/** The first line of a description: menus show one line per entry. */
export function firstLine(s: string): string {
  return firstField(s, "\n").trim();
}
