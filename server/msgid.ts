/**
 * IRCv3 message ids: unique across restarts and nodes, and carrying the message's time, so a
 * CHATHISTORY reference by msgid finds its row through the (conversation, time) index without a
 * separate msgid index on every insert.
 *
 * @module
 */

const TIME_DIGITS = 9; // base 36: enough until the year 5188
/** Random per process: two processes never share a (time, counter) pair. */
const [PROCESS_RANDOM = 0] = crypto.getRandomValues(new Uint32Array(1));
const PROCESS_TAG = PROCESS_RANDOM.toString(36).padStart(7, "0");
let counter = 0;

/** A fresh msgid for a message sent at `time` (ms since the epoch). */
export function nextMsgid(time: number): string {
  return time.toString(36).padStart(TIME_DIGITS, "0") + PROCESS_TAG + (counter++).toString(36);
}

/** The time a msgid of ours was made for, or undefined for anything else. */
export function msgidTime(msgid: string): number | undefined {
  if (msgid.length <= TIME_DIGITS + 7 || !/^[0-9a-z]+$/.test(msgid)) return undefined;
  const time = parseInt(msgid.slice(0, TIME_DIGITS), 36);
  return Number.isSafeInteger(time) ? time : undefined;
}
