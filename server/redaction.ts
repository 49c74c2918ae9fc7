/**
 * Who may REDACT a message (IRCv3 `draft/message-redaction`), and what clients without the
 * capability are told instead: pure rules, so that the command (commands/redact.ts) only finds
 * the message and carries the verdict out.
 *
 * @module
 */

import { sameName } from "../protocol/casemap.ts";
import type { StoredMessage } from "./store/history.ts";
import { firstField } from "../util/text.ts";

/** The capability of clients that understand REDACT. */
export const REDACTION_CAP = "draft/message-redaction";

/** Who asks to redact, as the rules need it. */
export interface Redactor {
  /** The account the redactor is logged in to, if any. */
  account: string | undefined;
  /** `nick!user@host` now. */
  source: string;
  /** An operator of the channel the message was sent to (never for private messages). */
  channelOp: boolean;
}

/** The answer to a REDACT of a message that exists: allowed, or the FAIL code's reason. */
export type RedactVerdict = "allowed" | "forbidden" | "expired";

/**
 * Whether the message is the redactor's own: sent from its account, or, for a message sent
 * without one, from exactly its `nick!user@host` (only inside the window, which keeps a later
 * holder of the nick from deleting the earlier one's words).
 */
export function isOwnMessage(m: StoredMessage, by: Redactor): boolean {
  if (m.account !== undefined) return by.account !== undefined && sameName(m.account, by.account);
  return m.source === by.source;
}

/**
 * The rules: a channel operator may redact any message of the channel its history keeps; a
 * sender its own messages for `windowMs` after sending them (0: always); anyone else nothing.
 */
export function redactVerdict(
  m: StoredMessage,
  by: Redactor,
  now: number,
  windowMs: number,
): RedactVerdict {
  if (by.channelOp) return "allowed";
  if (!isOwnMessage(m, by)) return "forbidden";
  return windowMs === 0 || now - m.time <= windowMs ? "allowed" : "expired";
}

/** "5 seconds", "3 minutes", "2 hours", "4 days": how long ago, for people. */
export function agoText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const [n, unit] = s < 60
    ? [s, "second"]
    : s < 3600
    ? [Math.round(s / 60), "minute"]
    : s < 86400
    ? [Math.round(s / 3600), "hour"]
    : [Math.round(s / 86400), "day"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

/**
 * The NOTICE text clients without the capability get instead of the REDACT (the spec's suggested
 * fallback): who deleted whose message from how long ago, and why when a reason was given.
 */
export function fallbackText(
  byNick: string,
  m: StoredMessage,
  now: number,
  reason: string | undefined,
): string {
  const author = firstField(m.source, "!");
  const whose = sameName(author, byNick) ? "their message" : `a message from ${author}`;
  const why = reason ? `: ${reason}` : "";
  return `${byNick} deleted ${whose} from ${agoText(now - m.time)} ago${why}`;
}
