/**
 * UTF8ONLY (IRCv3): a line that is not UTF-8 is refused whole, never relayed nor stored. The
 * line framer (protocol/lines.ts) finds it; the session refuses it in its turn, as here.
 *
 * @module
 */

import { parseMessage } from "../protocol/message.ts";
import type { Context } from "./context.ts";

/**
 * Marks a queued line that was not UTF-8 (UTF8ONLY): no decoded line holds a NUL (lines.ts), so
 * the mark cannot be forged, and the line keeps its place in the queue, the flood control and a
 * moved connection's pipe like any other.
 */
export const NOT_UTF8 = "\0";

/** What a plain-text (netcat) user is told of a line that was not UTF-8. */
export const PLAIN_NOT_UTF8 =
  "! That line was not valid UTF-8 and was not sent: set your terminal to UTF-8.\r\n";

/** Refuses a line that was not UTF-8 as the spec's example does: `FAIL <command> INVALID_UTF8`. */
export function refuseInvalidUtf8(ctx: Context, text: string): void {
  const command = parseMessage(text)?.command ?? "*";
  ctx.fail(
    /^[A-Z0-9]+$/.test(command) ? command : "*",
    "INVALID_UTF8",
    "Message rejected, your IRC software MUST use UTF-8 encoding on this network",
  );
}
