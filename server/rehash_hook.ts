/**
 * How the REHASH command reaches the code that reads the configuration (the command line's):
 * the server only knows the hook, not the file or its format.
 *
 * @module
 */

/** How REHASH reaches the code that reads the configuration (the command line's). */
export interface Rehasher {
  /** The file named in RPL_REHASHING (`*` without one). */
  readonly file: string;
  /** Reads and applies the configuration again. */
  run(): Promise<RehashOutcome>;
}

/** The outcome of a reload, told to the log and to the oper who asked. */
export interface RehashOutcome {
  /** False when the configuration was refused and the old one stays. */
  ok: boolean;
  /** One line each: what happened, and what needs a restart. */
  lines: string[];
}
