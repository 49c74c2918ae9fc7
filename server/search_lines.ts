/**
 * SEARCH results as a plain-text (netcat) user reads them: one line per message with its date,
 * since results span days, and where it was said.
 *
 * @module
 */

import { parseCtcp } from "../protocol/ctcp.ts";
import { isChannelName } from "../protocol/names.ts";
import type { StoredMessage } from "./store/history.ts";
import { firstField } from "../util/text.ts";

const two = (n: number) => String(n).padStart(2, "0");

/** `2026-01-02 03:04`, in the server's local time like the door's other clocks. */
function stamp(time: number): string {
  const d = new Date(time);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/**
 * One found message as a readable line: `[2026-01-02 03:04] #chan <alice> hi`, or with
 * `(to bob)` for a private one; actions as `* alice waves`. The door makes it terminal-safe.
 */
export function searchResultLine(m: StoredMessage): string {
  const nick = firstField(m.source, "!");
  const where = isChannelName(m.target) ? m.target : `(to ${m.target})`;
  const ctcp = parseCtcp(m.text);
  const said = ctcp?.verb === "ACTION"
    ? `* ${nick} ${ctcp.args}`
    : m.command === "NOTICE"
    ? `-${nick}- ${m.text}`
    : `<${nick}> ${m.text}`;
  return `[${stamp(m.time)}] ${where} ${said}`;
}
