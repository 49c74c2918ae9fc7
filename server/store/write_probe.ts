/**
 * Whether the database takes writes now, for `/healthz`: the write lock is asked for and given
 * back at once (`BEGIN IMMEDIATE; ROLLBACK`), so another process holding it, a read-only file or
 * a full disk shows. The busy timeout (database.ts, a few milliseconds) bounds the wait.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { describeError } from "./sqlite_failure.ts";

/** Undefined when the database can be written; otherwise why not, in a few words. */
export function writeProblem(db: DatabaseSync): string | undefined {
  if (!db.isOpen) return "database closed";
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec("ROLLBACK");
    return undefined;
  } catch (err) {
    try {
      if (db.isTransaction) db.exec("ROLLBACK");
    } catch { /* the first error is the one to tell */ }
    return `database not writable: ${describeError(err)}`;
  }
}
