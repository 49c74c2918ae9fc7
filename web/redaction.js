/**
 * Deleting messages (IRCv3 `draft/message-redaction`): the page offers "Delete" on the user's own
 * messages where the server allows it (line_view.js draws the button), asks the server with
 * REDACT, and takes a line away when a REDACT for it arrives, from this page or anyone's.
 *
 * @module
 */

import { formatLine, isChannel } from "./irc.js";
import { refreshUnread } from "./reading.js";
import { isMe, keyOf, sendLine, state } from "./session.js";
import { renderBufferList, renderMessages, renderTitle } from "./view.js";

/**
 * @typedef {import("./session.js").Buffer} Buffer
 * @typedef {import("./session.js").IrcMessage} IrcMessage
 */

/**
 * Asks the server to delete one of this conversation's messages; the line goes when the REDACT
 * comes back (a FAIL says why it cannot).
 * @param {Buffer} b
 * @param {string} msgid
 */
export function requestDelete(b, msgid) {
  sendLine(formatLine("REDACT", [b.name, msgid]));
}

/**
 * A REDACT: the line with that msgid leaves its conversation. One that names a message of another
 * conversation is ignored, as the spec requires.
 * @param {IrcMessage} m
 */
export function onRedact(m) {
  const [target, msgid] = m.params;
  if (!target || !msgid) return;
  // a private REDACT names the recipient: the conversation is the other party's
  const name = isChannel(target) || isMe(m.nick) ? target : m.nick;
  const b = state.buffers.get(keyOf(name));
  const at = b ? b.lines.findIndex((l) => l.msgid === msgid) : -1;
  if (!b || at === -1) return;
  b.lines.splice(at, 1);
  refreshUnread(b);
  if (b.key === state.current) renderMessages();
  renderBufferList();
  renderTitle();
}
