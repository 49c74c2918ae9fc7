/**
 * The one way a caught value becomes text for a log line or a user: `catch` and promise
 * rejections give `unknown`, and not everything thrown is an `Error`.
 *
 * @module
 */

/** The message of an `Error`, or anything else thrown as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
