/**
 * Flood control for client multiline batches: the line opening a `draft/multiline` batch takes a
 * token like any command, and pays for the batch's lines and its closing line, which a client
 * may send all at once (the spec warns of exactly that). Worked out on raw lines, before they are
 * run, so it holds on the node a moved connection's socket is on (session_pipes.ts) as well as
 * where its session is; bounded by max-lines, so a client never gets more than that for a token.
 *
 * @module
 */

import { parseTags } from "../protocol/message.ts";
import { MULTILINE_MAX_LINES } from "./state/multiline_batch.ts";

const OPENING = /^BATCH \+(\S+) draft\/multiline /i;

/** The free lines one connection has left for the multiline batch it opened last. */
export class BatchPacing {
  #ref: string | undefined;
  #left = 0;

  /** True when `line` belongs to the batch a paid line opened (and one of its lines is used). */
  free(line: string): boolean {
    if (this.#ref === undefined || this.#left <= 0) return false;
    const { tags, rest } = split(line);
    if (tags?.batch === this.#ref) {
      this.#left--;
      return true;
    }
    if (rest.length === this.#ref.length + 7 && /^BATCH -/i.test(rest)) {
      if (rest.slice(7) !== this.#ref) return false;
      this.#ref = undefined; // closed: nothing more is free
      return true;
    }
    return false;
  }

  /** A line that took a token: when it opens a multiline batch, that batch's lines are free. */
  paid(line: string): void {
    const opened = OPENING.exec(split(line).rest + " ");
    if (!opened) return;
    this.#ref = opened[1];
    this.#left = MULTILINE_MAX_LINES + 1; // one over the limit: the server says FAIL for it
  }
}

/** The tags of a raw line (undefined without any) and the line after them. */
function split(line: string): { tags: Record<string, string> | undefined; rest: string } {
  if (line[0] !== "@") return { tags: undefined, rest: line };
  const space = line.indexOf(" ");
  if (space === -1) return { tags: parseTags(line.slice(1)), rest: "" };
  return { tags: parseTags(line.slice(1, space)), rest: line.slice(space + 1).trimStart() };
}
