/**
 * Telling a paste from typing in the terminal: lines that arrive together (from one read of the
 * terminal, or reads a few milliseconds apart, as a long paste comes) form one group. Nobody
 * presses Enter twice within `PASTE_GAP_MS`, so typed lines stay groups of one.
 *
 * @module
 */

/** Most milliseconds between two lines of one paste. */
export const PASTE_GAP_MS = 15;

/** Collects input lines and hands each group over once no line followed for the gap. */
export class PasteGroups {
  readonly #flush: (lines: string[]) => void;
  readonly #gapMs: number;
  #lines: string[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(flush: (lines: string[]) => void, gapMs = PASTE_GAP_MS) {
    this.#flush = flush;
    this.#gapMs = gapMs;
  }

  /** One line read from the terminal. */
  add(line: string): void {
    this.#lines.push(line);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.flush(), this.#gapMs);
  }

  /** Hands over what was collected now (also when the input ends). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const lines = this.#lines;
    this.#lines = [];
    if (lines.length > 0) this.#flush(lines);
  }
}
