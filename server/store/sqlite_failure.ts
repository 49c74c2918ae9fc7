/**
 * What an error thrown by `node:sqlite` means for the server. Deno's `node:sqlite` gives no result
 * code, only SQLite's message (`code` is always `ERR_SQLITE_ERROR`), so the message decides.
 *
 * Every such error is the database's fault, never the client's: a handler that meets one answers
 * "try again later" and keeps the connection (see session_driver.ts), and the history writer keeps its
 * rows and retries (see history.ts).
 *
 * @module
 */

import { errorMessage } from "../../util/error_message.ts";

/**
 * How a failed write is handled: `unavailable` (locked by another process, I/O error, disk full,
 * read-only, damaged): nothing is wrong with the rows, so they are kept and tried again later;
 * `bad-row`: the statement itself failed (a constraint), so trying again would fail forever.
 */
export type SqliteFailure = "unavailable" | "bad-row";

/** SQLite's messages for a statement that failed because of its values. */
const BAD_ROW =
  /constraint failed|datatype mismatch|string or blob too big|too many SQL variables/i;

/** True for an error raised by SQLite (rather than by our code). */
export function isSqliteError(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === "ERR_SQLITE_ERROR";
}

/** Classifies an error from a write; anything not recognized as a bad row is retried. */
export function classifySqliteFailure(err: unknown): SqliteFailure {
  return isSqliteError(err) && BAD_ROW.test(errorMessage(err)) ? "bad-row" : "unavailable";
}

/** The message of an error, for one log line. */
export function describeError(err: unknown): string {
  return errorMessage(err).replace(/\s+/g, " ");
}

/** Why the database file cannot be used; the message is the whole story, for one CLI line. */
export type DatabaseProblem = "damaged" | "not-a-database" | "locked" | "other";

/** The database could not be opened: a damaged file is refused rather than served. */
export class DatabaseOpenError extends Error {
  readonly problem: DatabaseProblem;

  constructor(problem: DatabaseProblem, message: string) {
    super(message);
    this.name = "DatabaseOpenError";
    this.problem = problem;
  }
}

/** What an error met while opening and checking a database file means. */
export function openProblem(err: unknown): DatabaseProblem {
  const message = errorMessage(err);
  if (/not a database/i.test(message)) return "not-a-database";
  if (/malformed|corrupt/i.test(message)) return "damaged";
  if (/locked|busy/i.test(message)) return "locked";
  return "other";
}
