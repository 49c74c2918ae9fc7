/**
 * A `draft/multiline` batch a client has opened and not closed yet: the lines collected so far
 * and the spec's rules on them (one command, one target, the limits, no blank concatenation, not
 * only blank lines). Pure state: the BATCH command (commands/batch.ts) feeds it and answers
 * with the error it names.
 *
 * @module
 */

import { foldCase } from "../../protocol/casemap.ts";
import { utf8Length } from "../../protocol/line_fit.ts";

/**
 * One line of a multiline message: its text, and whether it continues the line before it
 * (`draft/multiline-concat`) instead of starting a new one.
 */
export interface TextLine {
  text: string;
  concat: boolean;
}

/** Most bytes of a multiline message's text, each joining line feed counted (CAP value). */
export const MULTILINE_MAX_BYTES = 4096;
/** Most lines in a multiline batch (CAP value). */
export const MULTILINE_MAX_LINES = 100;

/** Why a batch was refused, as the `FAIL BATCH` code and its context parameters. */
export interface BatchError {
  code: string;
  context: string[];
  description: string;
}

const invalid = (description: string): BatchError => ({
  code: "MULTILINE_INVALID",
  context: [],
  description,
});

/** A multiline batch being received: bounded by the limits above, whatever the client sends. */
export class MultilineBatch {
  readonly ref: string;
  /** The target named on `BATCH +ref draft/multiline <target>`. */
  readonly target: string;
  /** Client-only tags sent on the opening BATCH line (they are the message's). */
  readonly tags: Record<string, string> | undefined;
  readonly openedAt: number;
  /** The `label` of the opening BATCH line: the reply to the whole batch carries it. */
  label: string | undefined;
  #command: "PRIVMSG" | "NOTICE" | undefined;
  readonly #lines: TextLine[] = [];
  #bytes = 0;

  constructor(
    ref: string,
    target: string,
    tags: Record<string, string> | undefined,
    openedAt: number,
  ) {
    this.ref = ref;
    this.target = target;
    this.tags = tags;
    this.openedAt = openedAt;
  }

  /** PRIVMSG or NOTICE once a line came; undefined before. */
  get command(): "PRIVMSG" | "NOTICE" | undefined {
    return this.#command;
  }

  /** Adds one line; an error means the batch is refused (and is to be dropped). */
  add(
    command: string,
    target: string | undefined,
    text: string,
    concat: boolean,
  ): BatchError | undefined {
    if (command !== "PRIVMSG" && command !== "NOTICE") {
      return invalid(`${command} is not allowed in a multiline batch`);
    }
    if (this.#command !== undefined && command !== this.#command) {
      return invalid("A multiline batch mixes PRIVMSG and NOTICE");
    }
    this.#command = command;
    if (target === undefined || foldCase(target) !== foldCase(this.target)) {
      return {
        code: "MULTILINE_INVALID_TARGET",
        context: [this.target, target ?? "*"],
        description: "Invalid multiline target",
      };
    }
    if (concat && text === "") {
      return invalid("Invalid multiline batch with concatenated blank line");
    }
    // the first line has nothing to continue: it starts the message
    const joined = concat && this.#lines.length > 0;
    if (this.#lines.length >= MULTILINE_MAX_LINES) {
      return {
        code: "MULTILINE_MAX_LINES",
        context: [String(MULTILINE_MAX_LINES)],
        description: "Multiline batch max-lines exceeded",
      };
    }
    this.#bytes += utf8Length(text) + (this.#lines.length > 0 && !joined ? 1 : 0);
    if (this.#bytes > MULTILINE_MAX_BYTES) {
      return {
        code: "MULTILINE_MAX_BYTES",
        context: [String(MULTILINE_MAX_BYTES)],
        description: "Multiline batch max-bytes exceeded",
      };
    }
    this.#lines.push({ text, concat: joined });
    return undefined;
  }

  /** The batch is closed: its lines, or why it is refused (none, or only blank ones). */
  finish(): { lines: TextLine[] } | BatchError {
    if (this.#lines.length === 0) return invalid("Invalid multiline batch with no lines");
    if (this.#lines.every((l) => l.text === "")) {
      return invalid("Invalid multiline batch with blank lines only");
    }
    return { lines: this.#lines };
  }
}
