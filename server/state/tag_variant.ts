/**
 * The forms a message takes for different sessions, as bits: which optional tags the session
 * negotiated. A session derives its bits from its caps (session.ts); `Outgoing.bytes` keeps one
 * encoding per combination. Declared here, in pure state, so that sessions need no delivery code.
 *
 * @module
 */

/** Variant bit: the recipient negotiated `server-time`. */
export const WANTS_TIME = 1;
/** Variant bit: the recipient negotiated `message-tags` (msgid and client-only tags). */
export const WANTS_TAGS = 2;
/** Variant bit: the recipient negotiated `account-tag`. */
export const WANTS_ACCOUNT = 4;
/**
 * Variant bit: the recipient reads `draft/multiline` batches (negotiated with `batch`, which the
 * spec requires); a multiline message reaches the others as separate lines.
 */
export const WANTS_MULTILINE = 8;
